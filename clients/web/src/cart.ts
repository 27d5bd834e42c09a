/** The cart as every page sees it, and changes to it that show at once (rolled back if the server says no). */
import {
  keepPreviousData,
  type QueryKey,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { useSyncExternalStore } from "react";
import { type Cart, errorMessage, useTRPC } from "./api.ts";
import { toast } from "./toast.ts";

export type CartView = { shippingOptionId?: string | undefined; country?: string | undefined };

/**
 * The cart priced for a shipping option and destination (the server's defaults when not given). While
 * a new choice is priced, the last prices stay on screen instead of a loading state.
 */
export function useCart(view: CartView = {}) {
  const trpc = useTRPC();
  const input = Object.fromEntries(Object.entries(view).filter(([, v]) => v)) as CartView;
  return useQuery({
    ...trpc.cart.get.queryOptions(Object.keys(input).length ? input : undefined),
    placeholderData: keepPreviousData,
  });
}

function repriced(cart: Cart, lines: Cart["lines"]): Cart {
  const subtotal = lines.reduce((sum, l) => sum + l.lineTotal.amount, 0);
  return {
    ...cart,
    lines,
    itemCount: lines.reduce((n, l) => n + l.quantity, 0),
    subtotal: { ...cart.subtotal, amount: subtotal },
    total: { ...cart.total, amount: subtotal + (lines.length ? cart.shipping.amount : 0) },
  };
}

const withQuantity = (cart: Cart, variantId: string, quantity: number) =>
  repriced(
    cart,
    cart.lines.map((l) =>
      l.variantId === variantId
        ? { ...l, quantity, lineTotal: { ...l.lineTotal, amount: l.unitPrice.amount * quantity } }
        : l,
    ),
  );

const without = (cart: Cart, variantId: string) =>
  repriced(
    cart,
    cart.lines.filter((l) => l.variantId !== variantId),
  );

export function useCartActions() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const cartKey = trpc.cart.get.pathKey();
  const refresh = () => queryClient.invalidateQueries({ queryKey: cartKey });

  /** Applies the change to every cached view of the cart now; returns what to restore on failure. */
  const optimistically = async (change: (cart: Cart) => Cart) => {
    await queryClient.cancelQueries({ queryKey: cartKey });
    const before = queryClient.getQueriesData<Cart>({ queryKey: cartKey });
    queryClient.setQueriesData<Cart>({ queryKey: cartKey }, (cart) => cart && change(cart));
    return { before };
  };
  const rollBack = (error: unknown, context: { before: [QueryKey, Cart | undefined][] } | undefined) => {
    for (const [key, data] of context?.before ?? []) queryClient.setQueryData(key, data);
    toast(errorMessage(error), "error");
  };

  const add = useMutation(trpc.cart.addItem.mutationOptions({ onSettled: refresh }));
  const setQuantity = useMutation(
    trpc.cart.setQuantity.mutationOptions({
      onMutate: ({ variantId, quantity }) => optimistically((c) => withQuantity(c, variantId, quantity)),
      onError: (error, _input, context) => rollBack(error, context),
      onSettled: refresh,
    }),
  );
  const remove = useMutation(
    trpc.cart.removeItem.mutationOptions({
      onMutate: ({ variantId }) => optimistically((c) => without(c, variantId)),
      onError: (error, _input, context) => rollBack(error, context),
      onSettled: refresh,
    }),
  );
  return { add, setQuantity, remove };
}

// The shipping option chosen in the cart carries over to the checkout (for this tab only).
const SHIPPING_KEY = "fastr.shipping";
const shippingListeners = new Set<() => void>();

export function useShippingChoice(): [string | undefined, (id: string) => void] {
  const value = useSyncExternalStore(
    (listener) => {
      shippingListeners.add(listener);
      return () => shippingListeners.delete(listener);
    },
    () => sessionStorage.getItem(SHIPPING_KEY) ?? undefined,
  );
  const set = (id: string) => {
    sessionStorage.setItem(SHIPPING_KEY, id);
    for (const listener of shippingListeners) listener();
  };
  return [value, set];
}
