#!/usr/bin/env node
// Kairos is written in TypeScript and run from source: tsx compiles each module on load.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
