import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DetailPane, type TxDetail } from "./DetailPane";

afterEach(cleanup);

const detail: TxDetail = {
  id: 7,
  date: "2024-03-15",
  valueDate: "2024-03-16",
  description: "Carte 1234 Delhaize Bruxelles",
  amount: "-1234.50",
  currency: "EUR",
  balance: "2500.00",
  accountName: "Compte courant",
  statement: {
    id: 42,
    fileName: "releve-2024-03.pdf",
    periodStart: "2024-03-01",
    periodEnd: "2024-03-31",
    transactions: 57,
  },
  page: 3,
};

describe("DetailPane", () => {
  it("asks to select something when nothing is selected", () => {
    render(<DetailPane detail={null} onDeleteStatement={vi.fn()} />);
    expect(screen.getByTestId("detail-pane").textContent).toContain("Select a transaction");
  });

  it("shows the transaction and where it came from", () => {
    render(<DetailPane detail={detail} onDeleteStatement={vi.fn()} />);
    expect(screen.getByTestId("detail-amount").textContent).toBe("\u22121,234.50 EUR");
    expect(screen.getByTestId("detail-amount").classList.contains("lv-negative")).toBe(true);
    expect(screen.getByTestId("detail-description").textContent).toBe(detail.description);
    expect(screen.getByTestId("detail-date").textContent).toBe("2024-03-15");
    expect(screen.getByTestId("detail-value-date").textContent).toBe("2024-03-16");
    expect(screen.getByTestId("detail-balance").textContent).toBe("2,500.00 EUR");
    expect(screen.getByTestId("detail-account").textContent).toBe("Compte courant");
    expect(screen.getByTestId("detail-statement").textContent).toBe("releve-2024-03.pdf");
    expect(screen.getByTestId("detail-period").textContent).toBe("2024-03-01 – 2024-03-31");
    expect(screen.getByTestId("detail-page").textContent).toBe("3");
  });

  it("deletes the statement only after confirming in place", () => {
    const onDelete = vi.fn();
    render(<DetailPane detail={detail} onDeleteStatement={onDelete} />);
    fireEvent.click(screen.getByRole("button", { name: "Delete statement…" }));
    expect(onDelete).not.toHaveBeenCalled();
    const confirm = screen.getByTestId("detail-confirm");
    expect(confirm.textContent).toContain("Delete releve-2024-03.pdf and its 57 transactions?");
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Cancel" }));

    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByTestId("detail-confirm")).toBeNull();
    expect(onDelete).not.toHaveBeenCalled();

    fireEvent.click(screen.getByRole("button", { name: "Delete statement…" }));
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    expect(onDelete).toHaveBeenCalledTimes(1);
    expect(onDelete).toHaveBeenCalledWith(42);
    expect(screen.queryByTestId("detail-confirm")).toBeNull();
  });

  it("cancels the confirmation with Escape or when another statement is selected", () => {
    const onDelete = vi.fn();
    const { rerender } = render(<DetailPane detail={detail} onDeleteStatement={onDelete} />);
    fireEvent.click(screen.getByRole("button", { name: "Delete statement…" }));
    fireEvent.keyDown(screen.getByTestId("detail-confirm"), { key: "Escape" });
    expect(screen.queryByTestId("detail-confirm")).toBeNull();

    fireEvent.click(screen.getByRole("button", { name: "Delete statement…" }));
    const other: TxDetail = {
      ...detail,
      id: 8,
      statement: {
        ...(detail.statement as NonNullable<TxDetail["statement"]>),
        id: 43,
        transactions: 1,
      },
    };
    rerender(<DetailPane detail={other} onDeleteStatement={onDelete} />);
    expect(screen.queryByTestId("detail-confirm")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Delete statement…" }));
    expect(screen.getByTestId("detail-confirm").textContent).toContain("and its 1 transaction?");
    expect(onDelete).not.toHaveBeenCalled();
  });

  it("handles missing optional facts", () => {
    render(
      <DetailPane
        detail={{ ...detail, valueDate: null, balance: null, statement: null, page: null }}
        onDeleteStatement={vi.fn()}
      />,
    );
    expect(screen.getByTestId("detail-value-date").textContent).toBe("—");
    expect(screen.getByTestId("detail-balance").textContent).toBe("—");
    expect(screen.getByTestId("detail-no-statement")).toBeTruthy();
    expect(screen.queryByRole("button")).toBeNull();
  });
});
