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
 * cache starts over, except who is signed in, which the server just told us.
 */
function useStartOver() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return async (user: User | null) => {
    queryClient.setQueryData(trpc.auth.me.queryKey(), user);
    await queryClient.resetQueries({
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
    onSuccess: async ({ user }: { user: User }) => {
      await startOver(user);
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
      onSuccess: async () => {
        await startOver(null);
        navigate("/");
      },
    }),
  );
}
