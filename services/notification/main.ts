/** One process of the notification service in the distributed shape (see shapes/cluster/run-service.ts). */
import { runService } from "../../shapes/cluster/run-service.ts";
import { notificationModule } from "./module.ts";

await runService(notificationModule);
