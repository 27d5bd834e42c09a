/** One process of the cart service in the distributed shape (see shapes/cluster/run-service.ts). */
import { runService } from "../../shapes/cluster/run-service.ts";
import { cartModule } from "./module.ts";

await runService(cartModule);
