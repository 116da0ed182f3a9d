/**
 * The one module that loads `@peculiar/x509`. That library resolves its
 * algorithm plug-ins through tsyringe, which needs the Reflect metadata API:
 * the polyfill is imported first (ES modules evaluate imports in order).
 */
import "reflect-metadata/lite";

export {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  X509CertificateGenerator,
} from "@peculiar/x509";
