/** Custom domains of sites: names, DNS validation, the service, and what serving needs. */

export {
  type CertificateSummary,
  clearCertificateAttempt,
  deleteOrphanCertificates,
  describeCertificate,
  findAcmeChallenge,
  listCertificateWork,
  markCertificateAttempt,
  putAcmeChallenge,
  readCertificates,
  recordCertificateFailure,
  releaseLease,
  removeAcmeChallenge,
  resolveAcmeAccountKey,
  type StoredCertificate,
  saveCertificate,
  setUploadedCertificate,
  tryLease,
} from './certificates.js';
export { createDomainDns, type DnsAnswer, type DomainDns } from './dns.js';
export {
  DOMAINS_CHANGE_PREFIX,
  isApexDomain,
  normalizeDomainName,
  type ValidationMethod,
} from './names.js';
export {
  type CustomDomain,
  DOMAIN_LIMITS,
  deleteCustomDomain,
  getCustomDomain,
  isRedirectedTo,
  listCustomDomains,
  listServedDomains,
  putCustomDomain,
  REVALIDATE_MS,
  revalidateDomains,
  type ServedDomain,
  validateCustomDomain,
} from './service.js';
