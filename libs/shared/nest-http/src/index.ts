export * from './api-route';
export * from './fields';
export * from './openapi';
export * from './request-context';
export * from './route-access';
export * from './service-client';
export * from './validation';
export * from './streamed-body';
