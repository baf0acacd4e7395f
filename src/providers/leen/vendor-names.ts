import type { LeenVendor } from './catalog.js';

/**
 * A name for people of each Leen vendor (what the hosted connect page shows), after the vendors'
 * integration pages at Leen (sources in docs/providers/leen.md §4). Leen's API publishes no display
 * name for its enum values, so these are the vendors' own product names; where one vendor has
 * two enum values the second word says which (EDR, Spotlight, Code). A `Record` over the enum, so
 * a vendor added to `LEEN_VENDORS` cannot be left without a name.
 */
export const LEEN_VENDOR_NAMES: Readonly<Record<LeenVendor, string>> = {
  SEMGREP: 'Semgrep',
  SENTINELONE_VMS: 'SentinelOne Vulnerability Management',
  SENTINELONE: 'SentinelOne EDR',
  AIKIDO: 'Aikido',
  ORCA: 'Orca',
  AWS_INSPECTOR2: 'AWS Inspector',
  AWS_ACCESS_ANALYSER: 'AWS IAM Access Analyzer',
  AWS_SECURITYHUB: 'AWS Security Hub',
  INSIGHTVM: 'Rapid7 InsightVM',
  MS_DEFENDER_VMS: 'Microsoft Defender Vulnerability Management',
  MS_ENTRA: 'Microsoft Entra ID',
  MS_DEFENDER_VMS_GCC_HIGH: 'Microsoft Defender Vulnerability Management (GCC High)',
  MS_DEFENDER_CLOUD: 'Microsoft Defender for Cloud',
  MS_DEFENDER_ENDPOINT: 'Microsoft Defender for Endpoint',
  JIRA: 'Jira',
  QUALYS: 'Qualys',
  GITHUB: 'GitHub',
  ARNICA: 'Arnica',
  SNYK: 'Snyk',
  TANIUM_VMS: 'Tanium',
  GITLAB: 'GitLab',
  MEND: 'Mend',
  SERVICENOW: 'ServiceNow',
  UPWIND: 'Upwind',
  TENABLE: 'Tenable',
  CHECKMARX: 'Checkmarx',
  CROWDSTRIKE_SPOTLIGHT: 'CrowdStrike Spotlight',
  CROWDSTRIKE: 'CrowdStrike EDR',
  BLACK_KITE: 'Black Kite',
  BIT_SIGHT: 'BitSight',
  LACEWORK_CSPM: 'Lacework CSPM',
  WIZ_VMS: 'Wiz',
  WIZ_CODE: 'Wiz Code',
  OKTA_IDP: 'Okta',
};
