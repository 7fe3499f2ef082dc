import { useEffect, useState } from "react";
import { commands, type ConverterView, type ErrorView, type ImportJob } from "../../ipc/bindings";
import { ipcFailure } from "../../ipc/ipcFailure";
import { ErrorBox } from "./ReviewScreen";
import "./import.css";

interface Props {
  job: ImportJob;
  onClose: () => void;
}

type Loaded =
  | { kind: "loading" }
  | { kind: "ready"; converters: ConverterView[] }
  | { kind: "failed"; error: ErrorView };

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(0)} MB`;
}

/**
 * Sending one file Folio could not read to a cloud converter: which service, exactly what leaves
 * the machine and where to, the person's API key (kept in the keychain), and an explicit "I agree"
 * before anything is sent. Folio never sends a file on its own.
 */
export function CloudConsent({ job, onClose }: Props) {
  const [loaded, setLoaded] = useState<Loaded>({ kind: "loading" });
  const [reload, setReload] = useState(0);
  useEffect(() => {
    let live = true;
    commands.listConverters().then(
      (r) => {
        if (!live) return;
        setLoaded(
          r.status === "ok"
            ? { kind: "ready", converters: r.data }
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
  }, [reload]);

  if (loaded.kind !== "ready") {
    return (
      <main className="main review" data-testid="cloud-screen">
        {loaded.kind === "loading" ? (
          <p className="muted">Loading…</p>
        ) : (
          <ErrorBox error={loaded.error} />
        )}
        <button type="button" onClick={onClose}>
          Back
        </button>
      </main>
    );
  }
  return (
    <ConsentForm
      job={job}
      converters={loaded.converters}
      onClose={onClose}
      onKeysChanged={() => {
        setReload((n) => n + 1);
      }}
    />
  );
}

function ConsentForm({
  job,
  converters,
  onClose,
  onKeysChanged,
}: {
  job: ImportJob;
  converters: ConverterView[];
  onClose: () => void;
  onKeysChanged: () => void;
}) {
  const [serviceId, setServiceId] = useState(converters[0]?.id ?? "balanzio");
  const [apiKey, setApiKey] = useState("");
  const [bankName, setBankName] = useState("");
  const [consent, setConsent] = useState(false);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<ErrorView | null>(null);
  const service = converters.find((c) => c.id === serviceId);
  if (service === undefined) return null;
  const needsKey = !service.keyStored;
  const needsBank = service.id === "finbox";
  const canSend =
    !sending &&
    consent &&
    (!needsKey || apiKey.trim() !== "") &&
    (!needsBank || bankName.trim() !== "");

  const send = () => {
    setSending(true);
    setError(null);
    const request = {
      service: service.id,
      apiKey: needsKey ? apiKey.trim() : null,
      bankName: needsBank ? bankName.trim() : null,
      consent,
    };
    commands.convertInCloud(job.id, request).then(
      (r) => {
        setSending(false);
        if (r.status === "ok") onClose();
        else setError(r.error);
      },
      (e: unknown) => {
        setSending(false);
        setError(ipcFailure(e));
      },
    );
  };

  const forgetKey = () => {
    commands.forgetConverterKey(service.id).then(
      (r) => {
        if (r.status === "ok") onKeysChanged();
        else setError(r.error);
      },
      (e: unknown) => {
        setError(ipcFailure(e));
      },
    );
  };

  return (
    <main className="main review" data-testid="cloud-screen">
      <header className="review-head">
        <div>
          <h1>Send {job.fileName} to a cloud converter?</h1>
          <p className="muted">
            Folio could not read this file on your machine. A cloud service may. Nothing is sent
            unless you agree below.
          </p>
        </div>
        <div className="review-actions">
          <button type="button" onClick={onClose} data-testid="cloud-back">
            Back
          </button>
        </div>
      </header>
      <form
        className="setup-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (canSend) send();
        }}
      >
        <fieldset className="setup-descriptions" data-testid="cloud-services">
          <legend>Service</legend>
          {converters.map((c) => (
            <label key={c.id} className="setup-check">
              <input
                type="radio"
                name="service"
                value={c.id}
                checked={c.id === serviceId}
                data-testid={`cloud-service-${c.id}`}
                onChange={() => {
                  setServiceId(c.id);
                  setConsent(false);
                }}
              />
              <span>
                {c.name}{" "}
                <span className="muted small">
                  {c.givesTransactions
                    ? "(transactions, balances)"
                    : "(account, period, balances and checks; no transactions)"}
                </span>
              </span>
            </label>
          ))}
        </fieldset>
        <div className="cloud-what" data-testid="cloud-what">
          <strong>What leaves your machine:</strong> the whole file {job.fileName} (the statement,
          with your name, account number and every transaction in it), sent to{" "}
          <code>{service.url}</code>, run by {service.name}, under your own {service.name} account.
          Files up to {megabytes(service.maxBytes)}. What {service.name} keeps and for how long is
          up to its terms. What comes back is reviewed here before anything is filed.
        </div>
        {needsKey ? (
          <label className="setup-field">
            <span>Your {service.name} API key (kept in your OS keychain, never in the ledger)</span>
            <input
              type="password"
              autoComplete="off"
              value={apiKey}
              data-testid="cloud-api-key"
              onChange={(e) => {
                setApiKey(e.target.value);
              }}
            />
          </label>
        ) : (
          <p className="small muted">
            Your {service.name} API key is in your keychain.{" "}
            <button type="button" className="link" onClick={forgetKey} data-testid="cloud-forget">
              Forget it
            </button>
          </p>
        )}
        {needsBank && (
          <label className="setup-field">
            <span>The bank's name (FinBox asks for it)</span>
            <input
              value={bankName}
              data-testid="cloud-bank-name"
              onChange={(e) => {
                setBankName(e.target.value);
              }}
            />
          </label>
        )}
        <label className="setup-check review-accept">
          <input
            type="checkbox"
            checked={consent}
            data-testid="cloud-consent"
            onChange={(e) => {
              setConsent(e.target.checked);
            }}
          />
          <span>
            I agree to send this file to {service.name} ({service.host}).
          </span>
        </label>
        <div className="setup-actions">
          <button type="submit" className="primary" disabled={!canSend} data-testid="cloud-send">
            {sending ? "Sending…" : `Send to ${service.name}`}
          </button>
        </div>
        {error !== null && <ErrorBox error={error} />}
      </form>
    </main>
  );
}
