/** Moved to contracts/cursor.ts (a domain folder may import contracts/ only); services/product still imports it here. */
export { cursorCodec } from "../contracts/cursor.ts";
