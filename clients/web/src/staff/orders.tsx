import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useLocation, useSearch } from "wouter";
import { OrderStatus } from "../../../../contracts/order.ts";
import { errorMessage, useTRPC } from "../api.ts";
import { dateTime, money, STATUS_LABELS } from "../format.ts";
import { toast } from "../toast.ts";
import { Alert, Empty, Loading, PageTitle, SelectField, StatusBadge } from "../ui.tsx";

export function StaffOrders() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const parsed = OrderStatus.safeParse(new URLSearchParams(useSearch()).get("status"));
  const status = parsed.success ? parsed.data : undefined;
  const orders = useInfiniteQuery(
    trpc.order.listAll.infiniteQueryOptions(
      { status, limit: 30 },
      {
        getNextPageParam: (last) => last.nextCursor ?? undefined,
        staleTime: 0,
        // Another status keeps the table in place, dimmed, until its orders arrive: no spinner in its
        // stead, and nothing below it jumps twice.
        placeholderData: keepPreviousData,
      },
    ),
  );
  const fulfil = useMutation(
    trpc.order.fulfil.mutationOptions({
      onSuccess: (order) => {
        toast(`Order #${order.number} is fulfilled.`);
        void queryClient.invalidateQueries({ queryKey: trpc.order.pathKey() });
      },
      onError: (error) => toast(errorMessage(error), "error"),
    }),
  );
  const items = orders.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <section>
      <PageTitle title="Orders (staff)">Orders</PageTitle>
      <SelectField
        label="Status"
        className="filter"
        value={status ?? ""}
        onChange={(e) => navigate(e.target.value ? `/orders?status=${e.target.value}` : "/orders")}
      >
        <option value="">All orders</option>
        {OrderStatus.options.map((s) => (
          <option key={s} value={s}>
            {STATUS_LABELS[s]}
          </option>
        ))}
      </SelectField>
      {orders.error && <Alert>{errorMessage(orders.error)}</Alert>}
      {orders.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty title={status ? `No ${STATUS_LABELS[status].toLowerCase()} orders` : "No orders yet"} />
      ) : (
        <div className="table-wrap" aria-busy={orders.isPlaceholderData}>
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Placed</th>
                <th scope="col">Customer</th>
                <th scope="col" className="num">
                  Total
                </th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((o) => (
                <tr key={o.id}>
                  <th scope="row">#{o.number}</th>
                  <td>{dateTime(o.createdAt)}</td>
                  <td>
                    {o.shippingAddress.name}
                    <span className="muted block">{o.email}</span>
                  </td>
                  <td className="num">{money(o.total)}</td>
                  <td>
                    <StatusBadge status={o.status} />
                  </td>
                  <td>
                    {o.status === "paid" && (
                      <button
                        type="button"
                        className="button small primary"
                        onClick={() => fulfil.mutate({ id: o.id })}
                        disabled={fulfil.isPending && fulfil.variables?.id === o.id}
                        aria-label={`Fulfil order #${o.number}`}
                      >
                        Fulfil
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {orders.hasNextPage && (
        <div className="load-more">
          <button type="button" className="button" onClick={() => orders.fetchNextPage()}>
            Show more
          </button>
        </div>
      )}
    </section>
  );
}
