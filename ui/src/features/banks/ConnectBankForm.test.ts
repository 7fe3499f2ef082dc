import { describe, expect, it } from "vitest";
import { registrationFrom } from "./ConnectBankForm";

const empty = {
  provider: "budgea" as const,
  baseUrl: "",
  clientId: "",
  clientSecret: "",
  apiKey: "",
  accounts: "",
};

describe("registrationFrom", () => {
  it("asks for what is missing, in order", () => {
    expect(registrationFrom(empty)).toBe("Enter the API address (https://…).");
    expect(registrationFrom({ ...empty, baseUrl: "ftp://x" })).toBe(
      "Enter the API address (https://…).",
    );
    expect(registrationFrom({ ...empty, baseUrl: "https://x.biapi.pro/2.0/" })).toBe(
      "Enter your client id.",
    );
    expect(registrationFrom({ ...empty, baseUrl: "https://x", clientId: "id" })).toBe(
      "Enter your client secret.",
    );
  });

  it("builds each provider's registration with only its own fields", () => {
    expect(
      registrationFrom({ ...empty, provider: "belfius", baseUrl: " https://b ", clientId: " c " }),
    ).toEqual({ provider: "belfius", baseUrl: "https://b", clientId: "c" });
    expect(
      registrationFrom({
        ...empty,
        provider: "abnamro",
        baseUrl: "https://a",
        clientId: "c",
        clientSecret: "s",
        apiKey: "k",
        accounts: "nl02 abna 0123 4567 89, NL91ABNA0417164300",
      }),
    ).toEqual({
      provider: "abnamro",
      baseUrl: "https://a",
      clientId: "c",
      clientSecret: "s",
      apiKey: "k",
      accounts: ["NL02ABNA0123456789", "NL91ABNA0417164300"],
    });
  });
});
