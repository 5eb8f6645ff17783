/** Public surface of the TLS plane: certificates by SNI, the service certificate's files, HTTP → HTTPS, ACME. */
export {
  type AcmeOrder,
  type ChallengeStore,
  createAccountKey,
  type IssuedCertificate,
  LETS_ENCRYPT_DIRECTORY,
  orderCertificate,
} from './acme.js';
export {
  ACME_CHALLENGE_PREFIX,
  answerAcmeChallenge,
  type HttpsTarget,
  isAcmeChallenge,
  redirectToHttps,
} from './redirect.js';
export {
  certificateCovers,
  createContextFromPem,
  loadServiceCertificate,
  type ServiceCertificate,
  type ServiceCertificateFiles,
} from './service-certificate.js';
export { type CertificateSources, createSniCallback } from './sni.js';
