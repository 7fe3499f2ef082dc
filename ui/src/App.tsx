import { AccountsSidebar } from "./features/accounts/AccountsSidebar";
import { LockedScreen } from "./features/ledger/LockedScreen";
import { MainArea } from "./features/ledger/MainArea";
import { useLedger } from "./features/ledger/useLedger";
import { StatusLine } from "./components/StatusLine";

export function App() {
  const { view, retry, retrying } = useLedger();
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
      return (
        <div className="shell">
          <AccountsSidebar accounts={view.accounts} />
          <MainArea accounts={view.accounts} />
          <StatusLine status={view.status} />
        </div>
      );
  }
}
