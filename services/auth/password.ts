/**
 * The argon2id cost of new password hashes: memory in KiB and passes (one lane). A stored hash
 * carries the cost it was made with, so a hash verifies whatever the cost of the process verifying it.
 */
export type PasswordCost = { memoryCost: number; timeCost: number };

/** OWASP's minimum for argon2id (19 MiB, two passes): what every real shop hashes with. */
export const productionPasswordCost: PasswordCost = { memoryCost: 19_456, timeCost: 2 };

/**
 * argon2's smallest cost, for test shops only (ADR 160): they sign up hundreds of accounts a run, and
 * at the production cost that was ~36 s of CPU a gate. Still argon2id, through the same calls.
 */
export const testPasswordCost: PasswordCost = { memoryCost: 8, timeCost: 1 };

/**
 * Hashes new passwords at `cost` and verifies stored hashes at the cost each one names.
 * @example const passwords = passwordHasher(productionPasswordCost); const hash = await passwords.hash("long enough pw");
 */
export function passwordHasher(cost: PasswordCost) {
  return {
    hash: (password: string) => Bun.password.hash(password, { algorithm: "argon2id", ...cost }),
    verify: (password: string, hash: string) => Bun.password.verify(password, hash),
  };
}
