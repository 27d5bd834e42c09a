/** One process of the auth service in the distributed shape (see shapes/cluster/run-service.ts). */
import { runService } from "../../shapes/cluster/run-service.ts";
import { authModule } from "./module.ts";

await runService(authModule);
