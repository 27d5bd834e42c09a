/** One process of the product service in the distributed shape (see shapes/cluster/run-service.ts). */
import { runService } from "../../shapes/cluster/run-service.ts";
import { productModule } from "./module.ts";

await runService(productModule);
