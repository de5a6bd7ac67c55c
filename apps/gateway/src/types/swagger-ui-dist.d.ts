declare module 'swagger-ui-dist' {
  /** Absolute path of the installed Swagger UI assets. */
  export function getAbsoluteFSPath(): string;
}
