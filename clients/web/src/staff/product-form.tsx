/** Creating and editing a product: options, the variants they make, prices and stock. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useState } from "react";
import { Link, useLocation, useParams } from "wouter";
import { CreateProductInput, UpdateProductInput } from "../../../../contracts/product.ts";
import { errorMessage, type Product, useTRPC } from "../api.ts";
import { moneyInput, parseMoney } from "../format.ts";
import { toast } from "../toast.ts";
import { Alert, Field, Loading, PageTitle, SelectField } from "../ui.tsx";

type OptionDraft = { name: string; values: string };
type VariantDraft = { sku: string; price: string; stock: string; skuEdited: boolean };
type Issue = { path: PropertyKey[]; message: string };

const MAX_OPTIONS = 3;

/** "S, M, L" → ["S", "M", "L"]: trimmed, without blanks or repeats. */
const splitValues = (text: string) => [
  ...new Set(
    text
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean),
  ),
];

const parsedOptions = (drafts: OptionDraft[]) =>
  drafts
    .map((o) => ({ name: o.name.trim(), values: splitValues(o.values) }))
    .filter((o) => o.name && o.values.length);

/** Every combination of option values: one variant each (a product without options has one). */
function combinations(options: { name: string; values: string[] }[]) {
  let combos: Record<string, string>[] = [{}];
  for (const option of options)
    combos = combos.flatMap((c) => option.values.map((v) => ({ ...c, [option.name]: v })));
  return combos.map((c) => ({ options: c, label: Object.values(c).join(" / ") }));
}

const skuPart = (text: string) =>
  text
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

const suffix = (label: string) => (label ? ` for ${label}` : "");

/** Issues from the shared schema, as sentences a person can act on. */
function describeIssues(issues: readonly Issue[], variantLabels: string[]) {
  return issues.map((issue) => {
    const [first, index, field] = issue.path;
    if (first === "variants" && typeof index === "number") {
      const label = variantLabels[index] ? `Variant ${variantLabels[index]}` : "The variant";
      return `${label}${field ? ` (${String(field)})` : ""}: ${issue.message}`;
    }
    return issue.path.length ? `${issue.path.map(String).join(" ")}: ${issue.message}` : issue.message;
  });
}

function IssueList({ issues }: { issues: string[] }) {
  if (!issues.length) return null;
  return (
    <Alert>
      <p>Please fix this first:</p>
      <ul>
        {issues.map((i) => (
          <li key={i}>{i}</li>
        ))}
      </ul>
    </Alert>
  );
}

/** Title, category, description and image: the same on both forms. */
function BasicFields({
  value,
  onChange,
}: {
  value: { title: string; category: string; description: string; image: string };
  onChange: (next: { title: string; category: string; description: string; image: string }) => void;
}) {
  const trpc = useTRPC();
  const categories = useQuery(trpc.product.categories.queryOptions());
  return (
    <section className="panel" aria-labelledby="details-heading">
      <h2 id="details-heading">Details</h2>
      <Field
        label="Title"
        value={value.title}
        onChange={(e) => onChange({ ...value, title: e.target.value })}
        required
      />
      <SelectField
        label="Category"
        value={value.category}
        onChange={(e) => onChange({ ...value, category: e.target.value })}
        required
      >
        <option value="" disabled>
          Choose a category
        </option>
        {categories.data?.map((c) => (
          <option key={c.id} value={c.slug}>
            {c.name}
          </option>
        ))}
      </SelectField>
      <div className="field">
        <label htmlFor="description">Description</label>
        <textarea
          id="description"
          rows={5}
          value={value.description}
          onChange={(e) => onChange({ ...value, description: e.target.value })}
        />
      </div>
      <Field
        label="Image"
        value={value.image}
        placeholder="/media/products/…"
        hint="A path on this shop; leave it empty for a placeholder picture."
        onChange={(e) => onChange({ ...value, image: e.target.value })}
      />
    </section>
  );
}

function VariantRow({
  label,
  value,
  onChange,
  extra,
}: {
  label: string;
  value: VariantDraft;
  onChange: (next: VariantDraft) => void;
  extra?: ReactNode;
}) {
  return (
    <li className="variant-row">
      <p className="variant-name">{label || "Default variant"}</p>
      <Field
        label={`SKU${suffix(label)}`}
        value={value.sku}
        onChange={(e) => onChange({ ...value, sku: e.target.value, skuEdited: true })}
      />
      <Field
        label={`Price${suffix(label)}`}
        inputMode="decimal"
        placeholder="0.00"
        value={value.price}
        onChange={(e) => onChange({ ...value, price: e.target.value })}
        hint="EUR, tax included"
      />
      <Field
        label={`Stock${suffix(label)}`}
        type="number"
        min={0}
        value={value.stock}
        onChange={(e) => onChange({ ...value, stock: e.target.value })}
      />
      {extra}
    </li>
  );
}

const emptyVariant: VariantDraft = { sku: "", price: "", stock: "0", skuEdited: false };

export function NewProduct() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const [details, setDetails] = useState({ title: "", category: "", description: "", image: "" });
  const [options, setOptions] = useState<OptionDraft[]>([]);
  const [variants, setVariants] = useState<Record<string, VariantDraft>>({});
  const [issues, setIssues] = useState<string[]>([]);
  const create = useMutation(trpc.product.create.mutationOptions());

  const combos = combinations(parsedOptions(options));
  const base = skuPart(details.title) || "SKU";
  const draftFor = (label: string): VariantDraft => {
    const draft = variants[label] ?? emptyVariant;
    return draft.skuEdited ? draft : { ...draft, sku: label ? `${base}-${skuPart(label)}` : base };
  };
  const setOption = (index: number, next: OptionDraft) =>
    setOptions(options.map((o, i) => (i === index ? next : o)));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const priced = combos.map((c) => ({ ...c, draft: draftFor(c.label) }));
    const badPrice = priced.filter((v) => parseMoney(v.draft.price) === null);
    if (badPrice.length) {
      setIssues(badPrice.map((v) => `Price${suffix(v.label)}: enter a price like 12.50`));
      return;
    }
    const input = {
      title: details.title,
      description: details.description,
      category: details.category,
      ...(details.image.trim() && { image: details.image.trim() }),
      options: parsedOptions(options),
      variants: priced.map((v) => ({
        sku: v.draft.sku,
        ...(v.label && { title: v.label }),
        options: v.options,
        price: { amount: parseMoney(v.draft.price)!, currency: "EUR" as const },
        stock: Number(v.draft.stock) || 0,
      })),
    };
    const parsed = CreateProductInput.safeParse(input);
    if (!parsed.success) {
      setIssues(
        describeIssues(
          parsed.error.issues,
          combos.map((c) => c.label),
        ),
      );
      return;
    }
    setIssues([]);
    try {
      const product = await create.mutateAsync(parsed.data);
      await queryClient.invalidateQueries({ queryKey: trpc.product.pathKey() });
      toast(`${product.title} is created and on sale.`);
      navigate(`/products/${product.id}`);
    } catch (error) {
      setIssues([errorMessage(error)]);
    }
  }

  return (
    <form className="product-form" onSubmit={submit} noValidate>
      <Link href="/" className="back">
        ← Products
      </Link>
      <PageTitle title="New product">New product</PageTitle>
      <BasicFields value={details} onChange={setDetails} />

      <section className="panel" aria-labelledby="options-heading">
        <h2 id="options-heading">Options</h2>
        <p className="hint">
          Up to three, like Size or Colour. Each combination of values becomes a variant with its own SKU,
          price and stock. Without options the product has one variant.
        </p>
        {options.map((option, index) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: options are edited in place, by position
          <div className="option-row" key={index}>
            <Field
              label={`Option ${index + 1} name`}
              value={option.name}
              placeholder="Size"
              onChange={(e) => setOption(index, { ...option, name: e.target.value })}
            />
            <Field
              label={`Option ${index + 1} values`}
              value={option.values}
              placeholder="S, M, L"
              hint="Separated by commas"
              onChange={(e) => setOption(index, { ...option, values: e.target.value })}
            />
            <button
              type="button"
              className="link-button"
              onClick={() => setOptions(options.filter((_, i) => i !== index))}
            >
              Remove option {index + 1}
            </button>
          </div>
        ))}
        {options.length < MAX_OPTIONS && (
          <button
            type="button"
            className="button"
            onClick={() => setOptions([...options, { name: "", values: "" }])}
          >
            Add option
          </button>
        )}
      </section>

      <section className="panel" aria-labelledby="variants-heading">
        <h2 id="variants-heading">Variants ({combos.length})</h2>
        <ul className="variant-list">
          {combos.map((combo) => (
            <VariantRow
              key={combo.label}
              label={combo.label}
              value={draftFor(combo.label)}
              onChange={(next) => setVariants({ ...variants, [combo.label]: next })}
            />
          ))}
        </ul>
      </section>

      <IssueList issues={issues} />
      <div className="form-actions">
        <button type="submit" className="button primary large" aria-busy={create.isPending}>
          Create product
        </button>
      </div>
    </form>
  );
}

type EditableVariant = Product["variants"][number] & { draft: VariantDraft };

export function EditProduct() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const product = useQuery(trpc.product.get.queryOptions({ id }));
  if (!product.data) {
    return (
      <section>
        <PageTitle title="Product (staff)">Product</PageTitle>
        {product.error ? <Alert>{errorMessage(product.error)}</Alert> : <Loading />}
      </section>
    );
  }
  return <EditForm product={product.data} key={product.data.id} />;
}

function EditForm({ product }: { product: Product }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const [details, setDetails] = useState({
    title: product.title,
    category: product.category.slug,
    description: product.description,
    image: product.image,
  });
  const [variants, setVariants] = useState<EditableVariant[]>(
    product.variants.map((v) => ({
      ...v,
      draft: { sku: v.sku, price: moneyInput(v.price.amount), stock: String(v.stock), skuEdited: true },
    })),
  );
  const [issues, setIssues] = useState<string[]>([]);
  const [confirmArchive, setConfirmArchive] = useState(false);
  const update = useMutation(trpc.product.update.mutationOptions());
  const setStock = useMutation(trpc.product.setStock.mutationOptions());
  const archive = useMutation(trpc.product.archive.mutationOptions());
  const labels = variants.map((v) => (product.options.length ? v.title : ""));

  async function save(event: FormEvent) {
    event.preventDefault();
    const badPrice = variants.filter((v) => parseMoney(v.draft.price) === null);
    if (badPrice.length) {
      setIssues(badPrice.map((v) => `Price${suffix(v.title)}: enter a price like 12.50`));
      return;
    }
    const parsed = UpdateProductInput.safeParse({
      id: product.id,
      title: details.title,
      description: details.description,
      category: details.category,
      image: details.image.trim() || "/media/placeholder.svg",
      variants: variants.map((v) => ({
        id: v.id,
        sku: v.draft.sku,
        price: { amount: parseMoney(v.draft.price)!, currency: v.price.currency },
      })),
    });
    if (!parsed.success) {
      setIssues(describeIssues(parsed.error.issues, labels));
      return;
    }
    const badStock = variants.filter((v) => !/^\d+$/.test(v.draft.stock.trim()));
    if (badStock.length) {
      setIssues(badStock.map((v) => `Stock${suffix(v.title)}: enter a whole number`));
      return;
    }
    setIssues([]);
    try {
      await update.mutateAsync(parsed.data);
      for (const v of variants) {
        const stock = Number(v.draft.stock);
        if (stock !== v.stock) await setStock.mutateAsync({ variantId: v.id, stock });
      }
      await queryClient.invalidateQueries({ queryKey: trpc.product.pathKey() });
      toast("Changes saved.");
    } catch (error) {
      setIssues([errorMessage(error)]);
    }
  }

  async function archiveNow() {
    try {
      await archive.mutateAsync({ id: product.id });
      await queryClient.invalidateQueries({ queryKey: trpc.product.pathKey() });
      toast(`${product.title} is archived: it is no longer shown or sold.`);
      navigate("/");
    } catch (error) {
      setIssues([errorMessage(error)]);
    }
  }

  return (
    <form className="product-form" onSubmit={save} noValidate>
      <Link href="/" className="back">
        ← Products
      </Link>
      <div className="title-row">
        <PageTitle title={`${product.title} (staff)`}>{product.title}</PageTitle>
        <Link href={`~/products/${product.slug}`}>View in the shop</Link>
      </div>
      <BasicFields value={details} onChange={setDetails} />

      {product.options.length > 0 && (
        <section className="panel" aria-labelledby="options-heading">
          <h2 id="options-heading">Options</h2>
          <ul className="plain">
            {product.options.map((o) => (
              <li key={o.name}>
                <strong>{o.name}:</strong> {o.values.join(", ")}
              </li>
            ))}
          </ul>
        </section>
      )}

      <section className="panel" aria-labelledby="variants-heading">
        <h2 id="variants-heading">Variants ({variants.length})</h2>
        <ul className="variant-list">
          {variants.map((v, index) => (
            <VariantRow
              key={v.id}
              label={labels[index] ?? ""}
              value={v.draft}
              onChange={(draft) => setVariants(variants.map((x) => (x.id === v.id ? { ...x, draft } : x)))}
            />
          ))}
        </ul>
      </section>

      <IssueList issues={issues} />
      <div className="form-actions">
        <button
          type="submit"
          className="button primary large"
          aria-busy={update.isPending || setStock.isPending}
        >
          Save changes
        </button>
        {confirmArchive ? (
          <span className="confirm">
            <span>Archive it? It disappears from the shop.</span>
            <button type="button" className="button danger" onClick={archiveNow}>
              Yes, archive
            </button>
            <button type="button" className="button" onClick={() => setConfirmArchive(false)}>
              Keep it
            </button>
          </span>
        ) : (
          <button type="button" className="button" onClick={() => setConfirmArchive(true)}>
            Archive product
          </button>
        )}
      </div>
    </form>
  );
}
