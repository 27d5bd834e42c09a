import {
  CreateCategoryInput,
  CreateProductInput,
  GetProductInput,
  ListProductsInput,
  ProductIdInput,
  SetStockInput,
  UpdateProductInput,
} from "../contracts/product.ts";
import { publicProcedure, router, staffProcedure } from "./trpc.ts";

export const productRouter = router({
  list: publicProcedure.input(ListProductsInput).query(({ ctx, input }) => ctx.services.product.list(input)),
  get: publicProcedure.input(GetProductInput).query(({ ctx, input }) => ctx.services.product.get(input)),
  categories: publicProcedure.query(({ ctx }) => ctx.services.product.categories()),
  create: staffProcedure
    .input(CreateProductInput)
    .mutation(({ ctx, input }) => ctx.services.product.create(input)),
  update: staffProcedure
    .input(UpdateProductInput)
    .mutation(({ ctx, input }) => ctx.services.product.update(input)),
  archive: staffProcedure
    .input(ProductIdInput)
    .mutation(({ ctx, input }) => ctx.services.product.archive(input.id)),
  setStock: staffProcedure
    .input(SetStockInput)
    .mutation(({ ctx, input }) => ctx.services.product.setStock(input)),
  createCategory: staffProcedure
    .input(CreateCategoryInput)
    .mutation(({ ctx, input }) => ctx.services.product.createCategory(input)),
});
