import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base.js';

// An app ships one executable: no declarations, a shebang kept from src/main.ts.
export default defineConfig({ ...packageBuild(['src/main.ts']), dts: false });
