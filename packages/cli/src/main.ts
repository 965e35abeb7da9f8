/**
 * The `kairos` command. Each subcommand parses its arguments, calls one exported server
 * function and prints the result; nothing here knows about SQL or HTTP.
 */
import { ConfigError } from '@kairos/server';
import { Command, Option } from 'commander';
import { fail } from './commands/context.ts';
import { doctor } from './commands/doctor.ts';
import { migrateCommand } from './commands/migrate.ts';
import { serveCommand } from './commands/serve.ts';
import { userAdd } from './commands/user.ts';
import { webhookAdd, webhookList, webhookRemove } from './commands/webhook.ts';

const program = new Command()
  .name('kairos')
  .description('Events whose status changes by itself at the exact moment their dates say.')
  .showHelpAfterError();

program.command('serve').description('run the API, the scheduler and the web app in one process').action(serveCommand);
program.command('migrate').description('apply pending database migrations').action(migrateCommand);
program
  .command('doctor')
  .description('check that triggers and statuses match the dates (exit 0 clean, 1 not)')
  .option('--fix', 'repair every problem found, in one transaction')
  .option('--json', 'print the report as JSON')
  .action(doctor);
program
  .command('user')
  .description('manage accounts')
  .command('add')
  .description('create an account; prompts for the password, or generates one when not on a terminal')
  .requiredOption('--email <email>', 'the email to sign in with')
  .addOption(new Option('--role <role>', 'admin or organizer').choices(['admin', 'organizer']).makeOptionMandatory())
  .option('--name <name>', 'the display name')
  .action(userAdd);
const webhook = program.command('webhook').description('manage webhook endpoints (SPEC §12)');
webhook
  .command('add')
  .description('register an endpoint; prints its signing secret once')
  .requiredOption('--url <url>', 'the http(s) address to POST to (KAIROS_WEBHOOK_ALLOWED_HOSTS applies)')
  .option('--type <type...>', 'what to send (repeatable); every type when absent')
  .option('--description <text>', 'a note for admins')
  .action(webhookAdd);
webhook.command('list').description('list endpoints').option('--json', 'print as JSON').action(webhookList);
webhook
  .command('rm')
  .description('remove an endpoint and its delivery log')
  .argument('<id>', 'the webhook id')
  .action(webhookRemove);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // A configuration mistake is the user's to fix: one line saying how, not a stack trace.
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
