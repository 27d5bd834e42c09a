/** One process of the user service in the distributed shape (see shapes/cluster/run-service.ts). */
import { runService } from "../../shapes/cluster/run-service.ts";
import { userModule } from "./module.ts";

await runService(userModule);
