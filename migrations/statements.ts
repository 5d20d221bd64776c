/**
 * Splits SQL text into statements the way the server would see them: a `;`
 * ends a statement except inside '…' and E'…' strings, "…" identifiers,
 * $tag$…$tag$ dollar quotes, -- comments and nested /* *\/ comments.
 * Used to run no-transaction files statement by statement and to find the
 * statement a transactional file failed in. (SQL-standard `BEGIN ATOMIC`
 * bodies are not recognised; write such functions with dollar quotes.)
 */
export interface Statement {
  readonly sql: string;
  /** 0-based offset of the statement's first character in the file. */
  readonly offset: number;
  /** 1-based line of the statement's first significant character. */
  readonly line: number;
}

const identifierChar = /[A-Za-z0-9_$\u0080-\uffff]/;
const dollarTag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

export function splitStatements(sql: string): Statement[] {
  const statements: Statement[] = [];
  let firstSignificant = -1;
  let index = 0;
  const finish = (end: number) => {
    if (firstSignificant >= 0)
      statements.push({
        sql: sql.slice(firstSignificant, end).trim(),
        offset: firstSignificant,
        line: lineAt(sql, firstSignificant),
      });
    firstSignificant = -1;
  };
  while (index < sql.length) {
    const char = sql[index];
    const next = sql[index + 1];
    if (char === "-" && next === "-") {
      index = skipLineComment(sql, index);
      continue;
    }
    if (char === "/" && next === "*") {
      index = skipBlockComment(sql, index);
      continue;
    }
    if (/\s/.test(char)) {
      index++;
      continue;
    }
    if (char === ";") {
      finish(index);
      index++;
      continue;
    }
    if (firstSignificant < 0) firstSignificant = index;
    index = skipToken(sql, index);
  }
  finish(sql.length);
  return statements;
}

/** Skips one token starting at `index` that may contain a `;`, or one ordinary character. */
function skipToken(sql: string, index: number): number {
  const char = sql[index];
  const previous = index > 0 ? sql[index - 1] : "";
  if (char === "'") {
    const escapes = /[eE]/.test(previous) && !(index > 1 && identifierChar.test(sql[index - 2]));
    return skipQuoted(sql, index, "'", escapes);
  }
  if (char === '"') return skipQuoted(sql, index, '"', false);
  if (char === "$" && !identifierChar.test(previous)) {
    const tag = dollarTag.exec(sql.slice(index));
    if (tag) {
      const close = sql.indexOf(tag[0], index + tag[0].length);
      return close < 0 ? sql.length : close + tag[0].length;
    }
  }
  return index + 1;
}

function skipQuoted(sql: string, index: number, quote: string, backslashEscapes: boolean): number {
  let position = index + 1;
  while (position < sql.length) {
    const char = sql[position];
    if (backslashEscapes && char === "\\") {
      position += 2;
      continue;
    }
    if (char === quote) {
      if (sql[position + 1] === quote) {
        position += 2;
        continue;
      }
      return position + 1;
    }
    position++;
  }
  return sql.length;
}

function skipLineComment(sql: string, index: number): number {
  const end = sql.indexOf("\n", index);
  return end < 0 ? sql.length : end + 1;
}

function skipBlockComment(sql: string, index: number): number {
  let depth = 0;
  let position = index;
  while (position < sql.length) {
    if (sql[position] === "/" && sql[position + 1] === "*") {
      depth++;
      position += 2;
    } else if (sql[position] === "*" && sql[position + 1] === "/") {
      depth--;
      position += 2;
      if (depth === 0) return position;
    } else {
      position++;
    }
  }
  return sql.length;
}

/** 1-based line of a 0-based character offset. */
export function lineAt(sql: string, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset && index < sql.length; index++) if (sql[index] === "\n") line++;
  return line;
}
