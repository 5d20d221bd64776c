-- EXAMPLE SCHEMA — replace it with your own. It shows the constraints pgplat
-- promises: CHECKs (non-negative amounts, date ranges, percentages,
-- coordinates), foreign keys each with an index, timestamptz, numeric money,
-- soft delete and an updated_at trigger.

create function app.set_updated_at() returns trigger language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

create table app.customers (
  id bigint generated always as identity primary key,
  email text not null check (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
  name text not null check (length(name) between 1 and 200),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);
-- Soft delete: a deleted customer's e-mail may be reused.
create unique index customers_email_live on app.customers (lower(email)) where deleted_at is null;

create table app.stores (
  id bigint generated always as identity primary key,
  name text not null,
  latitude numeric(8, 6) not null check (latitude between -90 and 90),
  longitude numeric(9, 6) not null check (longitude between -180 and 180),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);

create table app.orders (
  id bigint generated always as identity primary key,
  customer_id bigint not null references app.customers (id),
  store_id bigint not null references app.stores (id),
  amount numeric(12, 2) not null check (amount >= 0),
  currency char(3) not null default 'EUR' check (currency ~ '^[A-Z]{3}$'),
  discount_percent numeric(5, 2) not null default 0 check (discount_percent between 0 and 100),
  ordered_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index orders_customer_id on app.orders (customer_id);
create index orders_store_id on app.orders (store_id);

create table app.promotions (
  id bigint generated always as identity primary key,
  store_id bigint not null references app.stores (id),
  percent numeric(5, 2) not null check (percent > 0 and percent <= 100),
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  constraint promotions_period check (ends_at > starts_at)
);
create index promotions_store_id on app.promotions (store_id);

create trigger customers_updated_at before update on app.customers for each row execute function app.set_updated_at();
create trigger stores_updated_at before update on app.stores for each row execute function app.set_updated_at();
create trigger orders_updated_at before update on app.orders for each row execute function app.set_updated_at();
create trigger promotions_updated_at before update on app.promotions for each row execute function app.set_updated_at();

-- What applications usually want: rows that are not soft-deleted.
create view app.live_orders as select * from app.orders where deleted_at is null;
