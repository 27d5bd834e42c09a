import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { AddressFieldset, addressLine, emptyAddress, parseAddress } from "../address-form.tsx";
import { errorMessage, type User, useTRPC } from "../api.ts";
import { toast } from "../toast.ts";
import { Alert, Empty, Field, Loading, PageTitle } from "../ui.tsx";
import { useSignedInOnly } from "./orders.tsx";

export function AccountPage() {
  const gate = useSignedInOnly();
  if (!gate.ready) return gate.element;
  return (
    <section className="narrow wide-ish account">
      <PageTitle title="Your account">Your account</PageTitle>
      <div className="account-grid">
        <Profile user={gate.user} />
        <AddressBook />
      </div>
    </section>
  );
}

function Profile({ user }: { user: User }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState(user.name);
  const update = useMutation(
    trpc.user.update.mutationOptions({
      onSuccess: (updated) => {
        queryClient.setQueryData(trpc.auth.me.queryKey(), updated);
        toast("Your profile is saved.");
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ name });
  };
  return (
    <section className="panel" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <form onSubmit={submit}>
        <Field
          label="Name"
          autoComplete="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
        <div className="field">
          <span className="label">Email</span>
          <p className="static">{user.email}</p>
        </div>
        <Alert>{update.error && errorMessage(update.error)}</Alert>
        <button type="submit" className="button primary" aria-busy={update.isPending}>
          Save profile
        </button>
      </form>
    </section>
  );
}

function AddressBook() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const addresses = useQuery(trpc.user.addresses.list.queryOptions());
  const [adding, setAdding] = useState(false);
  const [draft, setDraft] = useState(emptyAddress);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.user.addresses.list.queryKey() });
  const add = useMutation(
    trpc.user.addresses.add.mutationOptions({
      onSuccess: async () => {
        await refresh();
        setAdding(false);
        setDraft(emptyAddress);
        toast("Address saved.");
      },
    }),
  );
  const remove = useMutation(trpc.user.addresses.remove.mutationOptions({ onSuccess: () => refresh() }));
  const makeDefault = useMutation(trpc.user.addresses.update.mutationOptions({ onSuccess: () => refresh() }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { address, errors } = parseAddress(draft);
    setErrors(errors);
    if (address) add.mutate({ ...address, isDefault: (addresses.data ?? []).length === 0 });
  };

  return (
    <section className="panel" aria-labelledby="addresses-heading">
      <h2 id="addresses-heading">Addresses</h2>
      {addresses.isPending ? (
        <Loading />
      ) : addresses.data?.length ? (
        <ul className="address-list">
          {addresses.data.map((a) => (
            <li key={a.id}>
              <p>
                {addressLine(a)}
                {a.isDefault && <span className="badge">Default</span>}
              </p>
              <div className="row-actions">
                {!a.isDefault && (
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => makeDefault.mutate({ id: a.id, isDefault: true })}
                  >
                    Make default<span className="sr-only">: {addressLine(a)}</span>
                  </button>
                )}
                <button type="button" className="link-button" onClick={() => remove.mutate({ id: a.id })}>
                  Remove<span className="sr-only">: {addressLine(a)}</span>
                </button>
              </div>
            </li>
          ))}
        </ul>
      ) : (
        <Empty title="No saved addresses">
          <p>Addresses you save here or at checkout appear in this list.</p>
        </Empty>
      )}
      <Alert>{(remove.error || makeDefault.error) && errorMessage(remove.error ?? makeDefault.error)}</Alert>
      {adding ? (
        <form onSubmit={submit} className="add-address">
          <h3>New address</h3>
          <AddressFieldset value={draft} onChange={setDraft} errors={errors} legend="New address" />
          <Alert>{add.error && errorMessage(add.error)}</Alert>
          <div className="actions">
            <button type="submit" className="button primary" aria-busy={add.isPending}>
              Save address
            </button>
            <button type="button" className="button" onClick={() => setAdding(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <button type="button" className="button" onClick={() => setAdding(true)}>
          Add an address
        </button>
      )}
    </section>
  );
}
