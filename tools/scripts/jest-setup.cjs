// Every test runs in UTC, like the services do in production.
process.env.TZ = 'UTC';
require('reflect-metadata');
