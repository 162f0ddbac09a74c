import { useState } from 'react';
import type { Product } from '../api/client';
import { addToCart } from '../cart/cart';
import { useCartDrawer } from '../ui/ui-store';

/** `disabled`: the quantity beside it cannot be added (the page says why). */
export function AddToCartButton({
  product,
  quantity = 1,
  small,
  disabled = false,
}: {
  product: Product;
  quantity?: number;
  small?: boolean;
  disabled?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const openCart = useCartDrawer((state) => state.setOpen);
  const soldOut = product.available <= 0;
  return (
    <button
      type="button"
      className={small ? 'small' : undefined}
      disabled={soldOut || busy || disabled}
      onClick={async () => {
        setBusy(true);
        openCart(true);
        await addToCart(product, quantity);
        setBusy(false);
      }}
    >
      {soldOut ? 'Sold out' : 'Add to cart'}
      <span className="visually-hidden"> {product.title}</span>
    </button>
  );
}
