import { type FormEvent, useState } from "react";
import { Link, Redirect, useSearch } from "wouter";
import { LoginInput, SignupInput } from "../../../../contracts/auth.ts";
import { errorMessage, fieldErrors } from "../api.ts";
import { useMe, useNextPath, useSignIn } from "../session.ts";
import { Alert, Field, PageTitle } from "../ui.tsx";

/** Field name → first message, from a failed zod parse (the same schemas the server checks). */
const issuesByField = (issues: readonly { path: PropertyKey[]; message: string }[]) =>
  Object.fromEntries(issues.toReversed().map((i) => [String(i.path[0] ?? ""), i.message]));

function AuthForm({ kind }: { kind: "login" | "signup" }) {
  const signIn = useSignIn(kind);
  const search = useSearch();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const serverErrors = signIn.error ? fieldErrors(signIn.error) : {};
  const shown = { ...serverErrors, ...errors };

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = Object.fromEntries(new FormData(event.currentTarget)) as Record<string, string>;
    const parsed = (kind === "signup" ? SignupInput : LoginInput).safeParse(form);
    if (!parsed.success) {
      setErrors(issuesByField(parsed.error.issues));
      return;
    }
    setErrors({});
    signIn.mutate(parsed.data as SignupInput);
  };

  const other = kind === "login" ? "/signup" : "/login";
  return (
    <form className="auth-form" onSubmit={submit} noValidate>
      {kind === "signup" && (
        <Field label="Name" name="name" autoComplete="name" required error={shown.name} />
      )}
      <Field label="Email" name="email" type="email" autoComplete="email" required error={shown.email} />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete={kind === "signup" ? "new-password" : "current-password"}
        required
        hint={kind === "signup" ? "At least 8 characters." : undefined}
        error={shown.password}
      />
      <Alert>{signIn.error && !Object.keys(serverErrors).length ? errorMessage(signIn.error) : null}</Alert>
      <button type="submit" className="button primary large block" aria-busy={signIn.isPending}>
        {kind === "signup" ? "Sign up" : "Log in"}
      </button>
      <p className="switch">
        {kind === "signup" ? "Already a customer? " : "New here? "}
        <Link href={`${other}${search ? `?${search}` : ""}`}>
          {kind === "signup" ? "Use your account" : "Create an account"}
        </Link>
      </p>
    </form>
  );
}

function AuthPage({ kind }: { kind: "login" | "signup" }) {
  const me = useMe();
  const next = useNextPath();
  if (me.data) return <Redirect to={next} replace />;
  const checkingOut = next === "/checkout";
  const title = kind === "signup" ? "Create your account" : "Log in";
  return (
    <section className="auth">
      <PageTitle title={title}>{title}</PageTitle>
      <p className="lead">
        {checkingOut
          ? "One step before checkout. Your cart is kept exactly as it is."
          : kind === "signup"
            ? "Track orders, keep your addresses and check out faster."
            : "Welcome back."}
      </p>
      <AuthForm kind={kind} />
    </section>
  );
}

export const LoginPage = () => <AuthPage kind="login" />;
export const SignupPage = () => <AuthPage kind="signup" />;
