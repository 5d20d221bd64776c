/** Replaces the text between two marker lines (kept) with `body`; throws when the markers are missing. */
export function replaceGeneratedBlock(text: string, startMarker: string, endMarker: string, body: string): string {
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  if (start < 0 || end < start) throw new Error(`README has no ${startMarker} … ${endMarker} markers`);
  return `${text.slice(0, start + startMarker.length)}\n${body}\n${text.slice(end)}`;
}
