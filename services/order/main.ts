/** One process of the order service in the distributed shape (see shapes/cluster/run-service.ts). */
import { runService } from "../../shapes/cluster/run-service.ts";
import { orderModule } from "./module.ts";

await runService(orderModule);
