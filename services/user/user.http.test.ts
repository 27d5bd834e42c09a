import { afterAll, beforeAll, expect, it } from "bun:test";
import { failure } from "../../test/support/failure.ts";
import { startTestShop, type TestShop } from "../../test/support/shop.ts";
import { describeShop } from "../../test/support/target.ts";

const home = {
  name: "Ada Lovelace",
  line1: "12 St James's Square",
  city: "London",
  postalCode: "SW1Y 4JH",
  country: "gb",
};

describeShop("user over HTTP", () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await startTestShop();
  });
  afterAll(() => shop.stop());

  it("shows and renames the signed-in user, and auth.me sees the new name", async () => {
    const { client, email } = await shop.customer("Ada");
    expect(await client.user.me.query()).toMatchObject({ email, name: "Ada" });
    await client.user.update.mutate({ name: "Ada King" });
    expect(await client.auth.me.query()).toMatchObject({ name: "Ada King" });
  });

  it("needs a session", async () => {
    expect((await failure(shop.client().user.me.query())).code).toBe("UNAUTHORIZED");
    expect((await failure(shop.client().user.addresses.list.query())).code).toBe("UNAUTHORIZED");
  });

  it("keeps an address book whose first address is the default, and moves the default when asked", async () => {
    const { client } = await shop.customer();
    const first = await client.user.addresses.add.mutate(home);
    expect(first).toMatchObject({ country: "GB", isDefault: true, line2: null });
    const second = await client.user.addresses.add.mutate({ ...home, line1: "1 Main St", isDefault: true });
    const list = await client.user.addresses.list.query();
    expect(list.map((a) => [a.id, a.isDefault])).toEqual([
      [second.id, true],
      [first.id, false],
    ]);
    const renamed = await client.user.addresses.update.mutate({
      id: first.id,
      city: "Cambridge",
      isDefault: true,
    });
    expect(renamed).toMatchObject({ city: "Cambridge", isDefault: true });
    expect((await client.user.addresses.list.query()).filter((a) => a.isDefault)).toHaveLength(1);
    await client.user.addresses.remove.mutate({ id: second.id });
    expect((await client.user.addresses.list.query()).map((a) => a.id)).toEqual([first.id]);
  });

  it("answers NOT_FOUND for anybody else's address on every procedure that takes an id", async () => {
    const owner = await shop.customer();
    const other = await shop.customer();
    const { id } = await owner.client.user.addresses.add.mutate(home);
    expect((await failure(other.client.user.addresses.get.query({ id }))).code).toBe("NOT_FOUND");
    expect((await failure(other.client.user.addresses.update.mutate({ id, city: "Hacked" }))).code).toBe(
      "NOT_FOUND",
    );
    expect((await failure(other.client.user.addresses.remove.mutate({ id }))).code).toBe("NOT_FOUND");
    expect(await other.client.user.addresses.list.query()).toEqual([]);
    expect(await owner.client.user.addresses.get.query({ id })).toMatchObject({ city: "London" });
  });

  it("changes the password only with the current one, and ends every other session", async () => {
    const { client, email, password, token } = await shop.customer();
    const elsewhere = await shop.client().auth.login.mutate({ email, password });
    expect(await shop.client(elsewhere.token).auth.me.query()).toMatchObject({ email }); // validated, so cached
    // Checked by the user service too (in the cluster: from the cache auth shares, ADR 175).
    expect(await shop.client(elsewhere.token).user.me.query()).toMatchObject({ email });
    expect(
      (
        await failure(
          client.user.changePassword.mutate({ currentPassword: "wrong one", newPassword: "brand new pass" }),
        )
      ).code,
    ).toBe("BAD_REQUEST");
    await client.user.changePassword.mutate({ currentPassword: password, newPassword: "brand new pass" });

    expect(await shop.client(token).auth.me.query()).toMatchObject({ email });
    expect(await shop.client(elsewhere.token).auth.me.query()).toBeNull();
    expect(await failure(shop.client(elsewhere.token).user.me.query())).toMatchObject({
      code: "UNAUTHORIZED",
    });
    expect((await failure(shop.client().auth.login.mutate({ email, password }))).code).toBe("UNAUTHORIZED");
    expect((await shop.client().auth.login.mutate({ email, password: "brand new pass" })).user.email).toBe(
      email,
    );
  });
});
