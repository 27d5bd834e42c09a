/**
 * The media type of a Content-Type header, lower-cased and without parameters (RFC 9110: media types
 * are case-insensitive).
 * @example mediaType("Application/JSON; charset=utf-8") // "application/json"
 */
export const mediaType = (header: string | null | undefined) =>
  header?.split(";", 1)[0]?.trim().toLowerCase() ?? "";
