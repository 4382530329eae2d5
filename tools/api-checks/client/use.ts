// Compiled with tsc --strict: the generated types describe what the server answers.
import type { MeQuery, ShareUpdateMutation, ShareUpdateMutationVariables, AlertsSubscription } from "./generated/graphql";

export function roles(me: MeQuery): string[] {
  return me.viewer.roles.map((r) => r.toString());
}

export function reference(r: ShareUpdateMutation): string | undefined {
  return r.submitPartnerUpdate.partnerUpdate?.reference;
}

export function kind(a: AlertsSubscription): string {
  return a.alertRaised.kind;
}

export type Input = ShareUpdateMutationVariables["input"];
