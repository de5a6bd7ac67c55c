// `npm run nats-config`: regenerates deploy/nats/nats-server.conf from the contracts' NATS declarations.
import { productionNatsConfig } from '@alien/platform/nats-permissions';

process.stdout.write(productionNatsConfig());
