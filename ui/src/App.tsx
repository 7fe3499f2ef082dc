import { useCallback, useState } from "react";
import type { AccountDto } from "./ipc/bindings";
import { AccountsSidebar } from "./features/accounts/AccountsSidebar";
import { BanksSection } from "./features/banks/BanksSection";
import { useFileDrop } from "./features/import/dragDrop";
import { ImportPanel } from "./features/import/ImportPanel";
import { ReviewScreen } from "./features/import/ReviewScreen";
import { BankFileSetup } from "./features/import/BankFileSetup";
import { CloudConsent } from "./features/import/CloudConsent";
import { useImports } from "./features/import/useImports";
import { LedgerView } from "./features/ledger/LedgerView";
import { LockedScreen } from "./features/ledger/LockedScreen";
import { MainArea } from "./features/ledger/MainArea";
import { useLedger, type Unlocked } from "./features/ledger/useLedger";
import { StatusLine } from "./components/StatusLine";

export function App() {
  const { view, retry, retrying, reload } = useLedger();
  switch (view.kind) {
    case "opening":
      return (
        <div className="center-screen" data-testid="opening">
          <p className="muted">Unlocking your ledger…</p>
        </div>
      );
    case "locked":
      return (
        <LockedScreen
          error={view.status.error}
          dataDir={view.status.dataDir}
          onRetry={retry}
          retrying={retrying}
        />
      );
    case "failed":
      return <LockedScreen error={view.error} dataDir={null} onRetry={retry} retrying={retrying} />;
    case "unlocked":
      return <Workspace status={view.status} accounts={view.accounts} reload={reload} />;
  }
}

/** The open ledger: accounts, imports (dropped or picked), their review, and the ledger. */
function Workspace({
  status,
  accounts,
  reload,
}: {
  status: Unlocked;
  accounts: AccountDto[];
  reload: () => void;
}) {
  const [version, setVersion] = useState(0);
  const [accountId, setAccountId] = useState<number | null>(null);
  const changed = useCallback(() => {
    reload();
    setVersion((v) => v + 1);
  }, [reload]);
  const imports = useImports(changed);
  const hovering = useFileDrop(imports.add);
  const [reviewing, setReviewing] = useState<number | null>(null);
  const [settingUp, setSettingUp] = useState<number | null>(null);
  const [sending, setSending] = useState<number | null>(null);
  const sendingJob = imports.jobs.find((j) => j.id === sending);
  return (
    <div className="shell">
      <AccountsSidebar
        accounts={accounts}
        onImport={imports.pick}
        selected={accountId}
        onSelect={setAccountId}
        banks={<BanksSection version={version} onChanged={changed} />}
      />
      {sendingJob !== undefined ? (
        <CloudConsent
          key={sendingJob.id}
          job={sendingJob}
          onClose={() => {
            setSending(null);
          }}
        />
      ) : settingUp !== null ? (
        <BankFileSetup
          key={settingUp}
          jobId={settingUp}
          onClose={() => {
            setSettingUp(null);
          }}
        />
      ) : reviewing !== null ? (
        <ReviewScreen
          key={reviewing}
          jobId={reviewing}
          accounts={accounts}
          onClose={() => {
            setReviewing(null);
          }}
          onFiled={() => {
            setReviewing(null);
            changed();
          }}
        />
      ) : (
        <MainArea
          accounts={accounts}
          ledger={
            <LedgerView
              accounts={accounts}
              accountId={accountId}
              onAccountChange={setAccountId}
              version={version}
              onChanged={changed}
            />
          }
          top={
            <ImportPanel
              jobs={imports.jobs}
              onReview={setReviewing}
              onUnlock={imports.unlock}
              onDismiss={imports.dismiss}
              onCancel={imports.cancel}
              onSetup={setSettingUp}
              onCloud={setSending}
            />
          }
        />
      )}
      <StatusLine status={status} />
      {hovering && (
        <div className="drop-overlay" data-testid="drop-overlay">
          Drop statement PDFs or bank files (OFX, QIF, CAMT, MT940, CSV, XLSX) to import them
        </div>
      )}
    </div>
  );
}
