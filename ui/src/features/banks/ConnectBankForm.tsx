import { useState, type SyntheticEvent } from "react";
import type { BankRegistration } from "../../ipc/bindings";

type Provider = BankRegistration["provider"];

const PROVIDERS: { value: Provider; label: string; hint: string }[] = [
  {
    value: "budgea",
    label: "Budgea / Powens (aggregator)",
    hint: "Your API domain, client id and secret. The bank's connect page opens in its own window.",
  },
  {
    value: "belfius",
    label: "Belfius (PSD2)",
    hint: "The PSD2 API address and your client id. Belfius' consent page opens in its own window.",
  },
  {
    value: "abnamro",
    label: "ABN AMRO Business Account Insight",
    hint: "Client credentials and API key from the developer portal; no page to visit.",
  },
];

/** The form's fields as a registration, or why not yet. */
export function registrationFrom(fields: {
  provider: Provider;
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  apiKey: string;
  accounts: string;
}): BankRegistration | string {
  const baseUrl = fields.baseUrl.trim();
  const clientId = fields.clientId.trim();
  if (!/^https?:\/\/\S+$/.test(baseUrl)) return "Enter the API address (https://…).";
  if (clientId === "") return "Enter your client id.";
  switch (fields.provider) {
    case "belfius":
      return { provider: "belfius", baseUrl, clientId };
    case "budgea":
      if (fields.clientSecret === "") return "Enter your client secret.";
      return { provider: "budgea", baseUrl, clientId, clientSecret: fields.clientSecret };
    case "abnamro": {
      if (fields.clientSecret === "") return "Enter your client secret.";
      if (fields.apiKey.trim() === "") return "Enter your API key.";
      const accounts = fields.accounts
        .split(/[,;\n]+/)
        .map((a) => a.replace(/\s/g, "").toUpperCase())
        .filter((a) => a !== "");
      return {
        provider: "abnamro",
        baseUrl,
        clientId,
        clientSecret: fields.clientSecret,
        apiKey: fields.apiKey.trim(),
        accounts,
      };
    }
  }
}

/**
 * Connecting a bank with the person's own API access. Secrets leave this form once, for the
 * OS keychain; the form forgets them when it closes.
 */
export function ConnectBankForm({
  busy,
  onSubmit,
  onCancel,
}: {
  busy: boolean;
  onSubmit: (registration: BankRegistration, label: string | null) => void;
  onCancel: () => void;
}) {
  const [provider, setProvider] = useState<Provider>("budgea");
  const [label, setLabel] = useState("");
  const [baseUrl, setBaseUrl] = useState("");
  const [clientId, setClientId] = useState("");
  const [clientSecret, setClientSecret] = useState("");
  const [apiKey, setApiKey] = useState("");
  const [accounts, setAccounts] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const chosen = PROVIDERS.find((p) => p.value === provider);

  const submit = (e: SyntheticEvent) => {
    e.preventDefault();
    const r = registrationFrom({ provider, baseUrl, clientId, clientSecret, apiKey, accounts });
    if (typeof r === "string") {
      setProblem(r);
      return;
    }
    setProblem(null);
    onSubmit(r, label.trim() === "" ? null : label.trim());
  };

  return (
    <form className="connect-form" data-testid="connect-form" onSubmit={submit}>
      <label>
        Provider
        <select
          value={provider}
          data-testid="connect-provider"
          onChange={(e) => {
            setProvider(e.target.value as Provider);
          }}
        >
          {PROVIDERS.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      {chosen && <p className="small muted">{chosen.hint}</p>}
      <label>
        Name in Folio (optional)
        <input
          value={label}
          data-testid="connect-label"
          onChange={(e) => {
            setLabel(e.target.value);
          }}
        />
      </label>
      <label>
        API address
        <input
          value={baseUrl}
          placeholder="https://"
          data-testid="connect-base-url"
          onChange={(e) => {
            setBaseUrl(e.target.value);
          }}
        />
      </label>
      <label>
        Client id
        <input
          value={clientId}
          autoComplete="off"
          data-testid="connect-client-id"
          onChange={(e) => {
            setClientId(e.target.value);
          }}
        />
      </label>
      {provider !== "belfius" && (
        <label>
          Client secret
          <input
            type="password"
            value={clientSecret}
            autoComplete="off"
            data-testid="connect-client-secret"
            onChange={(e) => {
              setClientSecret(e.target.value);
            }}
          />
        </label>
      )}
      {provider === "abnamro" && (
        <>
          <label>
            API key
            <input
              type="password"
              value={apiKey}
              autoComplete="off"
              data-testid="connect-api-key"
              onChange={(e) => {
                setApiKey(e.target.value);
              }}
            />
          </label>
          <label>
            More IBANs (optional)
            <input
              value={accounts}
              data-testid="connect-accounts"
              onChange={(e) => {
                setAccounts(e.target.value);
              }}
            />
          </label>
        </>
      )}
      {problem !== null && (
        <p className="small bad" role="alert">
          {problem}
        </p>
      )}
      <p className="small muted">Secrets go to your OS keychain, never into the ledger.</p>
      <span className="connection-actions">
        <button type="submit" className="primary" disabled={busy} data-testid="connect-submit">
          Connect
        </button>
        <button type="button" className="link-button" onClick={onCancel}>
          Cancel
        </button>
      </span>
    </form>
  );
}
