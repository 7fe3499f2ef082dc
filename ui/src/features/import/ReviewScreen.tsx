import { useEffect, useState } from "react";
import {
  commands,
  type AccountDto,
  type ErrorView,
  type FiledSummary,
  type InsightsView,
  type ReviewDto,
} from "../../ipc/bindings";
import "./import.css";
import { ipcFailure } from "../../ipc/ipcFailure";

interface Props {
  jobId: number;
  accounts: AccountDto[];
  onClose: () => void;
  onFiled: (report: FiledSummary) => void;
}

type Loaded =
  { kind: "loading" } | { kind: "ready"; review: ReviewDto } | { kind: "failed"; error: ErrorView };

/**
 * What Folio read from one statement, before anything is filed: the account, the period, the
 * balances and whether they add up, every row (the ones that break the arithmetic marked), and
 * where it will be filed. Filing is one SQL transaction; a failure shows here and changes nothing.
 */
export function ReviewScreen({ jobId, accounts, onClose, onFiled }: Props) {
  const [loaded, setLoaded] = useState<Loaded>({ kind: "loading" });
  const [target, setTarget] = useState<string>("match");
  const [accept, setAccept] = useState(false);
  // The new account's name, when the person gives one (a CSV names no account).
  const [newName, setNewName] = useState<string | null>(null);
  // The currency the person gives a statement that prints none (ISO 4217).
  const [currency, setCurrency] = useState("");
  const [filing, setFiling] = useState(false);
  const [fileError, setFileError] = useState<ErrorView | null>(null);

  useEffect(() => {
    let live = true;
    commands.importReview(jobId).then(
      (r) => {
        if (!live) return;
        setLoaded(
          r.status === "ok"
            ? { kind: "ready", review: r.data }
            : { kind: "failed", error: r.error },
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

  if (loaded.kind === "loading") {
    return (
      <main className="main review" data-testid="review-screen">
        <p className="muted">Loading what Folio read…</p>
      </main>
    );
  }
  if (loaded.kind === "failed") {
    return (
      <main className="main review" data-testid="review-screen">
        <ErrorBox error={loaded.error} />
        <button type="button" onClick={onClose}>
          Back
        </button>
      </main>
    );
  }
  const r = loaded.review;
  // A statement that names no currency may go into any account (it takes that account's), or
  // into a new one in the currency the person gives.
  const currencyUnknown = r.currency === "";
  const sameCurrency = currencyUnknown
    ? accounts
    : accounts.filter((a) => a.currency === r.currency);
  const givenCurrency = currency.trim().toUpperCase();
  const needsCurrency = currencyUnknown && target === "match" && !/^[A-Z]{3}$/.test(givenCurrency);
  const problems = r.rows.filter((row) => row.problem !== null).length;
  const isPdf = r.format === "PDF";
  // A cloud converter's reading has no page numbers.
  const showPages = isPdf && r.pages > 0;
  // A file without printed balances (QIF, most CSV) has nothing to prove: it is filed as such.
  const canFile = !filing && !needsCurrency && (r.reconciled || accept || !r.balancesPrinted);

  const file = () => {
    setFiling(true);
    setFileError(null);
    const accountId = target === "match" ? null : Number(target);
    const name = accountId === null && newName !== null ? newName.trim() : null;
    const chosen = currencyUnknown && accountId === null ? givenCurrency : null;
    commands.fileImport(jobId, accountId, accept, name === "" ? null : name, chosen).then(
      (res) => {
        setFiling(false);
        if (res.status === "ok") onFiled(res.data);
        else setFileError(res.error);
      },
      (e: unknown) => {
        setFiling(false);
        setFileError(ipcFailure(e));
      },
    );
  };

  return (
    <main className="main review" data-testid="review-screen">
      <header className="review-head">
        <div>
          <h1>Review {r.fileName}</h1>
          <p className="muted" data-testid="review-kind">
            {isPdf
              ? ""
              : `${r.format} file · ${String(r.statements)} ${r.statements === 1 ? "statement" : "statements"}`}
            {showPages && `${String(r.pages)} ${r.pages === 1 ? "page" : "pages"}`}
            {r.scanned ? " · scanned (read by OCR)" : ""}
            {r.signConvention === "card" ? " · card statement: purchases read as money out" : ""}
            {r.signConvention === "sections"
              ? " · signs read from the sections (money in, money out) the balances prove"
              : ""}
            {r.signConvention === "swapped_columns"
              ? " · debit and credit columns read the other way round"
              : ""}
          </p>
        </div>
        <div className="review-actions">
          <button type="button" onClick={onClose} data-testid="review-back">
            Back
          </button>
        </div>
      </header>

      <section className="review-facts" aria-label="What Folio found">
        <Fact label="Bank" value={r.bank ?? "not printed"} />
        <Fact
          label="Account"
          value={r.iban ?? r.accountNumber ?? "not printed"}
          testId="review-account"
        />
        <Fact label="Holder" value={r.holder ?? "not printed"} />
        <Fact
          label="Currency"
          value={currencyUnknown ? "not printed: give it below" : r.currency}
          testId="review-currency"
        />
        <Fact label="Period" value={`${r.periodStart} – ${r.periodEnd}`} testId="review-period" />
        <Fact
          label="Opening balance"
          value={r.balancesPrinted ? `${r.opening} ${r.currency}` : "not in this file"}
          testId="review-opening"
        />
        <Fact
          label="Closing balance"
          value={r.balancesPrinted ? `${r.closing} ${r.currency}` : "not in this file"}
          testId="review-closing"
        />
      </section>

      <section
        className={`review-proof ${r.reconciled || !r.balancesPrinted ? "proof-ok" : "proof-bad"}`}
        data-testid="review-proof"
        data-reconciled={String(r.reconciled)}
        data-balances={r.balancesPrinted ? "printed" : "none"}
      >
        {!r.balancesPrinted ? (
          <>
            <strong>No balances in this file: nothing to prove.</strong> {r.moneyIn} in −{" "}
            {r.moneyOut} out {r.currency}. Rows already in your ledger are skipped when filing.
          </>
        ) : (
          <>
            <strong>{r.reconciled ? "It adds up." : "It does not add up."}</strong> {r.opening} +{" "}
            {r.moneyIn} in − {r.moneyOut} out = {r.computedClosing} {r.currency}
            {r.reconciled
              ? `, the printed closing balance${r.rows.some((row) => row.balance !== null) ? ", and every running balance agrees" : ""}.`
              : ` against a printed closing balance of ${r.closing} ${r.currency}.`}
            {problems > 0 && (
              <span>
                {" "}
                {problems} {problems === 1 ? "row breaks" : "rows break"} the running balance:
                marked below.
              </span>
            )}
          </>
        )}
        {r.warnings.map((w) => (
          <div key={w} className="small">
            {w}
          </div>
        ))}
      </section>

      {r.insights.length > 0 && <Checks insights={r.insights} />}

      <section className="review-file" aria-label="Filing">
        <label>
          File into{" "}
          <select
            value={target}
            data-testid="review-target"
            onChange={(e) => {
              setTarget(e.target.value);
            }}
          >
            <option value="match">
              {r.matchedAccount !== null
                ? `${r.matchedAccount.name} (matched by ${r.iban !== null ? "IBAN" : "account number"})`
                : `a new account: ${r.newAccountName}`}
            </option>
            {sameCurrency
              .filter((a) => a.id !== r.matchedAccount?.id)
              .map((a) => (
                <option key={a.id} value={String(a.id)}>
                  {a.name}
                </option>
              ))}
          </select>
        </label>
        {target === "match" && r.matchedAccount === null && (
          <label>
            named{" "}
            <input
              value={newName ?? r.newAccountName}
              data-testid="review-new-name"
              maxLength={80}
              onChange={(e) => {
                setNewName(e.target.value);
              }}
            />
          </label>
        )}
        {currencyUnknown && target === "match" && (
          <label>
            in the currency{" "}
            <input
              value={currency}
              data-testid="review-currency-input"
              placeholder="e.g. USD"
              aria-invalid={needsCurrency}
              size={5}
              maxLength={3}
              onChange={(e) => {
                setCurrency(e.target.value);
              }}
            />
          </label>
        )}
        {!r.reconciled && r.balancesPrinted && (
          <label className="review-accept">
            <input
              type="checkbox"
              checked={accept}
              data-testid="review-accept"
              onChange={(e) => {
                setAccept(e.target.checked);
              }}
            />{" "}
            File it anyway, marked as not adding up
          </label>
        )}
        <button
          type="button"
          className="primary"
          disabled={!canFile}
          onClick={file}
          data-testid="file-button"
        >
          {filing ? "Filing…" : `File ${String(r.rows.length)} transactions`}
        </button>
        {fileError !== null && <ErrorBox error={fileError} />}
      </section>

      <div className="review-rows-wrap">
        <table className="review-rows" data-testid="review-rows">
          <thead>
            <tr>
              <th>Date</th>
              <th>Description</th>
              <th className="num">Amount</th>
              <th className="num">Balance</th>
              {showPages && <th className="num">Page</th>}
            </tr>
          </thead>
          <tbody>
            {r.rows.map((row, i) => (
              <tr
                // Rows have no id before filing; their position is their identity here.
                key={i}
                className={row.problem !== null ? "row-problem" : undefined}
                data-testid="review-row"
                data-problem={row.problem !== null ? "true" : "false"}
                title={row.problem ?? undefined}
              >
                <td>{row.date}</td>
                <td>
                  {row.description}
                  {row.problem !== null && <div className="small bad">{row.problem}</div>}
                </td>
                <td className={`num ${row.amount.startsWith("-") ? "neg" : "pos"}`}>
                  {row.amount}
                </td>
                <td className="num">{row.balance ?? ""}</td>
                {showPages && <td className="num muted">{row.page}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </main>
  );
}

/**
 * What Folio's own checks say (computed on this machine, whichever engine read the file): months
 * without transactions or statements, a statement already filed, and signals that the file was
 * edited, with a score. Signals are reasons to look, not verdicts.
 */
function Checks({ insights }: { insights: InsightsView[] }) {
  const worst = insights.reduce((w, i) => (i.score > w.score ? i : w));
  const signals = insights.flatMap((i) => i.signals);
  const missing = insights.flatMap((i) => i.monthsMissing);
  const duplicates = insights.flatMap((i) => (i.duplicateOf === null ? [] : [i.duplicateOf]));
  const skipped = [...new Set(insights.flatMap((i) => i.skipped))];
  return (
    <section
      className={`review-checks level-${worst.level}`}
      aria-label="Checks"
      data-testid="review-insights"
      data-score={String(worst.score)}
      data-level={worst.level}
    >
      <strong>
        {signals.length === 0
          ? "No sign of editing."
          : `Signs of editing: score ${String(worst.score)} of 100 (${worst.level}).`}
      </strong>
      {signals.length > 0 && (
        <ul className="small">
          {signals.map((s) => (
            <li key={`${s.code}-${s.reason}`} data-testid="review-signal" data-code={s.code}>
              {s.reason} <span className="muted">(+{s.weight})</span>
            </li>
          ))}
        </ul>
      )}
      {duplicates.map((d) => (
        <div key={d} className="small bad" data-testid="review-duplicate">
          Repeats a filed statement: {d}.
        </div>
      ))}
      {missing.length > 0 && (
        <div className="small" data-testid="review-missing-months">
          Months missing: {missing.map((m) => `${m.month} (${m.reason})`).join(", ")}.
        </div>
      )}
      {skipped.map((reason) => (
        <div key={reason} className="small muted">
          Not checked: {reason}
        </div>
      ))}
    </section>
  );
}

function Fact({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="fact">
      <span className="fact-label muted small">{label}</span>
      <span className="fact-value" data-testid={testId}>
        {value}
      </span>
    </div>
  );
}

export function ErrorBox({ error }: { error: ErrorView }) {
  return (
    <div className="import-error" role="alert" data-testid="error-box" data-code={error.code}>
      <strong>{error.title}</strong>
      <span>{error.message}</span>
      <span className="muted">{error.hint}</span>
    </div>
  );
}
