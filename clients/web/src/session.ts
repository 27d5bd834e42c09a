/** Who is signed in, and signing in and out. */
import { hashKey, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useLocation, useSearch } from "wouter";
import { type User, useTRPC } from "./api.ts";

export function useMe() {
  const trpc = useTRPC();
  return useQuery({ ...trpc.auth.me.queryOptions(), staleTime: 5 * 60_000 });
}

/** Where to go after signing in: `?next=/checkout`, only ever a path on this site. */
export function useNextPath(fallback = "/") {
  const next = new URLSearchParams(useSearch()).get("next");
  return next?.startsWith("/") && !next.startsWith("//") ? next : fallback;
}

/**
 * After a sign-in or sign-out every answer may differ (the cart merged, orders visible or not): the
 * cache starts over, except who is signed in, which the server just told us. The answers come again
 * in the background: the caller moves on to the next page at once, since a navigation made after
 * them would take the visitor away from wherever they had gone in the meantime.
 */
function useStartOver() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return (user: User | null) => {
    queryClient.setQueryData(trpc.auth.me.queryKey(), user);
    void queryClient.resetQueries({
      predicate: (query) => query.queryHash !== hashKey(trpc.auth.me.queryKey()),
    });
  };
}

export function useSignIn(kind: "login" | "signup") {
  const trpc = useTRPC();
  const startOver = useStartOver();
  const [, navigate] = useLocation();
  const next = useNextPath();
  const options = {
    onSuccess: ({ user }: { user: User }) => {
      startOver(user);
      navigate(next);
    },
  };
  const login = useMutation(trpc.auth.login.mutationOptions(options));
  const signup = useMutation(trpc.auth.signup.mutationOptions(options));
  return kind === "login" ? login : signup;
}

export function useLogout() {
  const trpc = useTRPC();
  const startOver = useStartOver();
  const [, navigate] = useLocation();
  return useMutation(
    trpc.auth.logout.mutationOptions({
      onSuccess: () => {
        startOver(null);
        navigate("/");
      },
    }),
  );
}
