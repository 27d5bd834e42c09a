import { dbContract } from "./db.contract.ts";
import { openPglite } from "./pglite.ts";

dbContract("pglite", () => openPglite());
