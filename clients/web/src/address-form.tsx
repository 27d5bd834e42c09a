/** The address fields, shared by the checkout and the account's address book. */
import { AddressFields } from "../../../contracts/user.ts";
import { Field } from "./ui.tsx";

export type AddressDraft = { name: string; line1: string; city: string; postalCode: string; country: string };
export const emptyAddress: AddressDraft = { name: "", line1: "", city: "", postalCode: "", country: "" };

const COUNTRIES: Record<string, string> = {
  DE: "Germany",
  AT: "Austria",
  FR: "France",
  NL: "Netherlands",
  BE: "Belgium",
  IT: "Italy",
  ES: "Spain",
  GB: "United Kingdom",
  IE: "Ireland",
  US: "United States",
};
const ALIASES: Record<string, string> = { deutschland: "DE", uk: "GB", "great britain": "GB", usa: "US" };

/** "Germany", "germany" or "de" → "DE"; anything else is left for the schema to judge. */
export function countryCode(text: string): string {
  const t = text.trim();
  const lower = t.toLowerCase();
  const byName = Object.entries(COUNTRIES).find(([, name]) => name.toLowerCase() === lower)?.[0];
  return byName ?? ALIASES[lower] ?? t.toUpperCase();
}

/** Checks a draft with the same schema the server uses; returns the address or the message per field. */
export function parseAddress(draft: AddressDraft) {
  const parsed = AddressFields.safeParse({ ...draft, country: countryCode(draft.country) });
  if (parsed.success) return { address: parsed.data, errors: {} as Record<string, string> };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
  return { address: null, errors };
}

/** The plain text fields, in the order a label on an envelope reads. */
const TEXT_FIELDS: readonly { key: keyof AddressDraft; label: string; autoComplete: string; wide?: true }[] =
  [
    { key: "name", label: "Full name", autoComplete: "name" },
    { key: "line1", label: "Address", autoComplete: "address-line1", wide: true },
    { key: "postalCode", label: "Postal code", autoComplete: "postal-code" },
    { key: "city", label: "City", autoComplete: "address-level2" },
  ];

export function AddressFieldset({
  value,
  onChange,
  errors,
  legend,
}: {
  value: AddressDraft;
  onChange: (next: AddressDraft) => void;
  errors: Record<string, string>;
  legend: string;
}) {
  const set = (key: keyof AddressDraft) => (e: { target: { value: string } }) =>
    onChange({ ...value, [key]: e.target.value });
  return (
    <fieldset className="address-fields">
      <legend className="sr-only">{legend}</legend>
      {TEXT_FIELDS.map((f) => (
        <Field
          key={f.key}
          label={f.label}
          autoComplete={f.autoComplete}
          value={value[f.key]}
          onChange={set(f.key)}
          error={errors[f.key]}
          {...(f.wide && { className: "wide" })}
        />
      ))}
      <Field
        label="Country"
        autoComplete="country"
        list="countries"
        placeholder="DE"
        value={value.country}
        onChange={set("country")}
        error={errors.country}
        hint="Two-letter code or name, e.g. DE or Germany."
      />
      <datalist id="countries">
        {Object.entries(COUNTRIES).map(([code, name]) => (
          <option key={code} value={code}>
            {name}
          </option>
        ))}
      </datalist>
    </fieldset>
  );
}

/** One line for an address: "Ada Lovelace, 1 Main St, 10115 Berlin, DE". */
export const addressLine = (a: {
  name: string;
  line1: string;
  line2?: string | null;
  postalCode: string;
  city: string;
  country: string;
}) => [a.name, a.line1, a.line2, `${a.postalCode} ${a.city}`, a.country].filter(Boolean).join(", ");
