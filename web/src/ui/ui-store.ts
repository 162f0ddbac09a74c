import { create } from 'zustand';

/** Whether the cart drawer is open: the header's button and "add to cart" both open it. */
export const useCartDrawer = create<{ open: boolean; setOpen(open: boolean): void }>((set) => ({
  open: false,
  setOpen: (open) => set({ open }),
}));
