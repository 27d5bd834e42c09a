/** The staff console: products and orders. Loaded on demand, and only for staff (the server checks too). */
import { Link, Route, Switch, useLocation } from "wouter";
import { NotFoundPage } from "../pages/not-found.tsx";
import { StaffOrders } from "./orders.tsx";
import { EditProduct, NewProduct } from "./product-form.tsx";
import { StaffProducts } from "./products.tsx";

export default function StaffConsole() {
  const [path] = useLocation();
  const current = (prefix: string) => (path === prefix || path.startsWith(`${prefix}/`) ? "page" : undefined);
  return (
    <div className="staff">
      <nav className="staff-nav" aria-label="Staff console">
        <span className="staff-label">Staff console</span>
        <Link href="/" aria-current={path === "/" || current("/products") ? "page" : undefined}>
          Products
        </Link>
        <Link href="/orders" aria-current={current("/orders")}>
          Orders
        </Link>
        <Link href="/products/new" className="button small primary">
          New product
        </Link>
      </nav>
      <Switch>
        <Route path="/" component={StaffProducts} />
        <Route path="/products/new" component={NewProduct} />
        <Route path="/products/:id" component={EditProduct} />
        <Route path="/orders" component={StaffOrders} />
        <Route component={NotFoundPage} />
      </Switch>
    </div>
  );
}
