export { buildKairos, type Kairos } from './app.ts';
export { type Clock, systemClock } from './clock.ts';
export { type Config, ConfigError, loadConfig } from './config.ts';
export { migrate } from './db/migrate.ts';
export { openStore } from './db/open.ts';
export { type DoctorReport, runDoctor } from './doctor.ts';
export { AuthService } from './features/auth/auth.service.ts';
export { serve } from './main.ts';
export { runExport, runImport } from './transfer.ts';
