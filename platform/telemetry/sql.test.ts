import { describe, expect, it } from "bun:test";
import { statementAttributes } from "./sql.ts";

describe("a statement's span name", () => {
  it("is its operation and first table, and for a statement of CTEs what its first CTE does", () => {
    const name = (text: string) => statementAttributes(text, {}).summary;
    expect(name('select "id" from "cart"."carts" where "id" = $1')).toBe("SELECT cart.carts");
    expect(name('update "product"."variants" set "stock" = $1')).toBe("UPDATE product.variants");
    expect(
      name(
        'with "placed" as (insert into "order"."orders" ("id") values ($1) on conflict do nothing returning *), "placed_lines" as (insert into "order"."order_lines" select 1) select * from "placed"',
      ),
    ).toBe("INSERT order.orders");
    expect(name("begin")).toBe("BEGIN");
  });
});
