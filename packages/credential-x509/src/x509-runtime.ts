/**
 * The one module that loads `@peculiar/x509` at run time. That library
 * resolves its algorithm plug-ins through tsyringe, which needs the Reflect
 * metadata API; the polyfill is imported first so every path into
 * `@peculiar/x509` through this package finds it (ES modules evaluate their
 * imports in order). Applications that import `@peculiar/x509` themselves
 * before this package must load a Reflect polyfill first (its README says so).
 */
import "reflect-metadata/lite";

export { X509Certificate } from "@peculiar/x509";
