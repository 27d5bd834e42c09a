/** One process of the payment service in the distributed shape (see shapes/cluster/run-service.ts). */
import { runService } from "../../shapes/cluster/run-service.ts";
import { paymentModule } from "./module.ts";

await runService(paymentModule);
