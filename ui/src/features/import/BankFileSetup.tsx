import { useEffect, useState } from "react";
import {
  commands,
  type BankFileSetupView,
  type CsvMappingForm,
  type ErrorView,
} from "../../ipc/bindings";
import { ipcFailure } from "../../ipc/ipcFailure";
import { ErrorBox } from "./ReviewScreen";
import "./import.css";

interface Props {
  jobId: number;
  onClose: () => void;
}

type Loaded =
  | { kind: "loading" }
  | { kind: "ready"; setup: BankFileSetupView }
  | { kind: "failed"; error: ErrorView };

/** Date formats banks use, offered first; any chrono format can be typed instead. */
const DATE_FORMATS = [
  "%Y-%m-%d",
  "%d/%m/%Y",
  "%m/%d/%Y",
  "%d-%m-%Y",
  "%d.%m.%Y",
  "%Y%m%d",
  "%d/%m/%y",
  "%m/%d/%y",
  "%d %b %Y",
];

/**
 * How to read a bank file Folio cannot read on its own: for a CSV/XLSX export, which column holds
 * what (with a preview of its first rows); for any file without one, its currency; for a QIF file
 * whose dates or numbers could be read two ways, which way. Folio remembers a CSV/XLSX mapping
 * for the account it is filed into, so the next export of that account is read without asking.
 */
export function BankFileSetup({ jobId, onClose }: Props) {
  const [loaded, setLoaded] = useState<Loaded>({ kind: "loading" });
  useEffect(() => {
    let live = true;
    commands.bankFileSetup(jobId).then(
      (r) => {
        if (!live) return;
        setLoaded(
          r.status === "ok" ? { kind: "ready", setup: r.data } : { kind: "failed", error: r.error },
        );
      },
      (e: unknown) => {
        if (live) setLoaded({ kind: "failed", error: ipcFailure(e) });
      },
    );
    return () => {
      live = false;
    };
  }, [jobId]);

  if (loaded.kind !== "ready") {
    return (
      <main className="main review" data-testid="setup-screen">
        {loaded.kind === "loading" ? (
          <p className="muted">Looking at the file…</p>
        ) : (
          <ErrorBox error={loaded.error} />
        )}
        <button type="button" onClick={onClose}>
          Back
        </button>
      </main>
    );
  }
  return <SetupForm setup={loaded.setup} onClose={onClose} />;
}

function SetupForm({ setup, onClose }: { setup: BankFileSetupView; onClose: () => void }) {
  const [mapping, setMapping] = useState<CsvMappingForm | null>(setup.mapping);
  const [currency, setCurrency] = useState(setup.currency ?? "");
  const [dateOrder, setDateOrder] = useState(setup.dateOrder ?? "dmy");
  const [numberFormat, setNumberFormat] = useState(setup.numberFormat ?? "point");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<ErrorView | null>(null);
  const asks = (what: string) => setup.asks.includes(what);

  const apply = () => {
    setSaving(true);
    setError(null);
    const choices = {
      mapping: asks("mapping") ? mapping : null,
      currency: asks("currency") && currency.trim() !== "" ? currency.trim() : null,
      dateOrder: asks("dateOrder") ? dateOrder : null,
      numberFormat: asks("numberFormat") ? numberFormat : null,
    };
    commands.setBankFileChoices(setup.jobId, choices).then(
      (r) => {
        setSaving(false);
        if (r.status === "ok") onClose();
        else setError(r.error);
      },
      (e: unknown) => {
        setSaving(false);
        setError(ipcFailure(e));
      },
    );
  };

  return (
    <main className="main review" data-testid="setup-screen">
      <header className="review-head">
        <div>
          <h1>How to read {setup.fileName}</h1>
          <p className="muted">
            {setup.format} file.{" "}
            {asks("mapping")
              ? "Say once which column holds what: Folio remembers it for the account you file it into."
              : "Folio needs your choice before it can read it."}
          </p>
        </div>
        <div className="review-actions">
          <button type="button" onClick={onClose} data-testid="setup-back">
            Back
          </button>
        </div>
      </header>
      {/* A first mapping is no failure: the heading says what is asked. */}
      {setup.error !== null && setup.error.code !== "CSV_MAPPING_NEEDED" && (
        <ErrorBox error={setup.error} />
      )}
      <form
        className="setup-form"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        {asks("mapping") && mapping !== null && (
          <MappingFields mapping={mapping} preview={setup.preview} onChange={setMapping} />
        )}
        {asks("currency") && (
          <label className="setup-field">
            <span>Currency of the account (ISO code)</span>
            <input
              value={currency}
              maxLength={3}
              placeholder="EUR"
              data-testid="setup-currency"
              onChange={(e) => {
                setCurrency(e.target.value.toUpperCase());
              }}
            />
          </label>
        )}
        {asks("dateOrder") && (
          <label className="setup-field">
            <span>Dates in this file are written</span>
            <select
              value={dateOrder}
              data-testid="setup-date-order"
              onChange={(e) => {
                setDateOrder(e.target.value);
              }}
            >
              <option value="dmy">day / month / year</option>
              <option value="mdy">month / day / year</option>
              <option value="ymd">year / month / day</option>
            </select>
          </label>
        )}
        {asks("numberFormat") && (
          <label className="setup-field">
            <span>Amounts in this file are written</span>
            <select
              value={numberFormat}
              data-testid="setup-number-format"
              onChange={(e) => {
                setNumberFormat(e.target.value);
              }}
            >
              <option value="point">1,234.56 (decimal point)</option>
              <option value="comma">1.234,56 (decimal comma)</option>
            </select>
          </label>
        )}
        <div className="setup-actions">
          <button type="submit" className="primary" disabled={saving} data-testid="setup-apply">
            {saving ? "Reading…" : "Read it with these settings"}
          </button>
        </div>
        {error !== null && <ErrorBox error={error} />}
      </form>
    </main>
  );
}

/** The column names of the preview: the header row's cells, else "Column N". */
export function columnNames(mapping: CsvMappingForm, preview: string[][]): string[] {
  const width = preview.reduce((w, row) => Math.max(w, row.length), 0);
  const header = mapping.hasHeader ? preview[mapping.skipRows] : undefined;
  return Array.from({ length: width }, (_, i) => {
    const name = header?.[i]?.trim() ?? "";
    return name === "" ? `Column ${String(i + 1)}` : `${String(i + 1)}: ${name}`;
  });
}

function MappingFields({
  mapping,
  preview,
  onChange,
}: {
  mapping: CsvMappingForm;
  preview: string[][];
  onChange: (m: CsvMappingForm) => void;
}) {
  const names = columnNames(mapping, preview);
  const set = (patch: Partial<CsvMappingForm>) => {
    onChange({ ...mapping, ...patch });
  };
  const columnSelect = (
    label: string,
    value: number | null,
    pick: (v: number | null) => void,
    testId: string,
    optional: boolean,
  ) => (
    <label className="setup-field">
      <span>{label}</span>
      <select
        value={value === null ? "" : String(value)}
        data-testid={testId}
        onChange={(e) => {
          pick(e.target.value === "" ? null : Number(e.target.value));
        }}
      >
        {optional && <option value="">none</option>}
        {names.map((n, i) => (
          <option key={n} value={String(i)}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
  const required = (label: string, value: number, pick: (v: number) => void, testId: string) =>
    columnSelect(
      label,
      value,
      (v) => {
        if (v !== null) pick(v);
      },
      testId,
      false,
    );

  return (
    <>
      <div className="review-rows-wrap setup-preview">
        <table className="review-rows" data-testid="setup-preview">
          <thead>
            <tr>
              {names.map((n) => (
                <th key={n}>{n}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.map((row, r) => (
              // The preview's rows have no identity but their place.
              <tr key={r} className={r < mapping.skipRows ? "muted" : undefined}>
                {names.map((n, c) => (
                  <td key={n}>{row[c] ?? ""}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="setup-grid">
        <label className="setup-field">
          <span>Separator</span>
          <select
            value={mapping.delimiter}
            data-testid="setup-delimiter"
            onChange={(e) => {
              set({ delimiter: e.target.value });
            }}
          >
            <option value=",">comma ,</option>
            <option value=";">semicolon ;</option>
            <option value={"\t"}>tab</option>
            <option value="|">bar |</option>
          </select>
        </label>
        <label className="setup-field">
          <span>Text encoding</span>
          <select
            value={mapping.encoding}
            onChange={(e) => {
              set({ encoding: e.target.value });
            }}
          >
            <option value="auto">detect</option>
            <option value="utf8">UTF-8</option>
            <option value="utf16le">UTF-16 LE</option>
            <option value="utf16be">UTF-16 BE</option>
            <option value="windows1252">Windows-1252</option>
          </select>
        </label>
        <label className="setup-field">
          <span>Lines before the header</span>
          <input
            type="number"
            min={0}
            value={mapping.skipRows}
            data-testid="setup-skip-rows"
            onChange={(e) => {
              set({ skipRows: Math.max(0, Number(e.target.value)) });
            }}
          />
        </label>
        <label className="setup-field setup-check">
          <input
            type="checkbox"
            checked={mapping.hasHeader}
            onChange={(e) => {
              set({ hasHeader: e.target.checked });
            }}
          />
          <span>The first of the remaining lines names the columns</span>
        </label>
        <label className="setup-field">
          <span>Lines to leave out at the end</span>
          <input
            type="number"
            min={0}
            value={mapping.skipFooterRows}
            onChange={(e) => {
              set({ skipFooterRows: Math.max(0, Number(e.target.value)) });
            }}
          />
        </label>
        {required(
          "Date",
          mapping.dateColumn,
          (v) => {
            set({ dateColumn: v });
          },
          "setup-date-column",
        )}
        <label className="setup-field">
          <span>Date format</span>
          <input
            list="setup-date-formats"
            value={mapping.dateFormat}
            data-testid="setup-date-format"
            onChange={(e) => {
              set({ dateFormat: e.target.value });
            }}
          />
          <datalist id="setup-date-formats">
            {DATE_FORMATS.map((f) => (
              <option key={f} value={f} />
            ))}
          </datalist>
        </label>
        <label className="setup-field">
          <span>Amounts</span>
          <select
            value={mapping.amountMode}
            data-testid="setup-amount-mode"
            onChange={(e) => {
              set({ amountMode: e.target.value });
            }}
          >
            <option value="signed">one column, money out negative</option>
            <option value="debitCredit">a debit column and a credit column</option>
            <option value="indicator">an amount and a debit/credit column</option>
          </select>
        </label>
        {mapping.amountMode !== "debitCredit" &&
          required(
            "Amount",
            mapping.amountColumn,
            (v) => {
              set({ amountColumn: v });
            },
            "setup-amount-column",
          )}
        {mapping.amountMode === "debitCredit" && (
          <>
            {required(
              "Debit (money out)",
              mapping.debitColumn,
              (v) => {
                set({ debitColumn: v });
              },
              "setup-debit-column",
            )}
            {required(
              "Credit (money in)",
              mapping.creditColumn,
              (v) => {
                set({ creditColumn: v });
              },
              "setup-credit-column",
            )}
          </>
        )}
        {mapping.amountMode === "indicator" && (
          <>
            {required(
              "Debit/credit column",
              mapping.indicatorColumn,
              (v) => {
                set({ indicatorColumn: v });
              },
              "setup-indicator-column",
            )}
            <label className="setup-field">
              <span>Values meaning money out (comma-separated)</span>
              <input
                value={mapping.debitValues.join(", ")}
                onChange={(e) => {
                  set({
                    debitValues: e.target.value
                      .split(",")
                      .map((v) => v.trim())
                      .filter((v) => v !== ""),
                  });
                }}
              />
            </label>
          </>
        )}
        <label className="setup-field">
          <span>Decimal separator</span>
          <select
            value={mapping.decimalSeparator}
            data-testid="setup-decimal"
            onChange={(e) => {
              set({ decimalSeparator: e.target.value });
            }}
          >
            <option value=".">point 1.50</option>
            <option value=",">comma 1,50</option>
          </select>
        </label>
        <label className="setup-field">
          <span>Thousands separator</span>
          <select
            value={mapping.thousandsSeparator}
            data-testid="setup-thousands"
            onChange={(e) => {
              set({ thousandsSeparator: e.target.value });
            }}
          >
            <option value="">none</option>
            <option value=",">comma 1,000</option>
            <option value=".">point 1.000</option>
            <option value=" ">space 1 000</option>
            <option value="'">apostrophe 1'000</option>
          </select>
        </label>
        <label className="setup-field setup-check">
          <input
            type="checkbox"
            checked={mapping.invertSign}
            onChange={(e) => {
              set({ invertSign: e.target.checked });
            }}
          />
          <span>Purchases are printed as positive amounts (card exports)</span>
        </label>
        {columnSelect(
          "Running balance",
          mapping.balanceColumn,
          (v) => {
            set({ balanceColumn: v });
          },
          "setup-balance-column",
          true,
        )}
        {columnSelect(
          "The bank's row id",
          mapping.providerIdColumn,
          (v) => {
            set({ providerIdColumn: v });
          },
          "setup-id-column",
          true,
        )}
      </div>
      <fieldset className="setup-descriptions" data-testid="setup-descriptions">
        <legend>Description (joined in this order)</legend>
        {names.map((n, i) => (
          <label key={n} className="setup-check">
            <input
              type="checkbox"
              checked={mapping.descriptionColumns.includes(i)}
              onChange={(e) => {
                set({
                  descriptionColumns: e.target.checked
                    ? [...mapping.descriptionColumns, i]
                    : mapping.descriptionColumns.filter((c) => c !== i),
                });
              }}
            />
            <span>{n}</span>
          </label>
        ))}
      </fieldset>
    </>
  );
}
