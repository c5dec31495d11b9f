import { fileURLToPath } from 'node:url';
import { Match, Template } from 'aws-cdk-lib/assertions';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { DeploymentConfigError } from '../../lambda/config/deployment-config.js';
import { prePartsDeployable, prePartsStack } from './fixtures/pre-parts-usage.js';
import { CONFIG, testApp } from './stack-fixture.js';

// The construct is a public API: code written against it before it was split into parts (the
// fixture) keeps compiling and, where it could run then, keeps running.

const FIXTURE = fileURLToPath(new URL('./fixtures/pre-parts-usage.ts', import.meta.url));

/** The fixture compiled with the project's compiler options, as a user's build would. */
function compile(): ts.Program {
  const configFile = ts.findConfigFile(process.cwd(), ts.sys.fileExists) as string;
  const { config } = ts.readConfigFile(configFile, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, process.cwd());
  return ts.createProgram({ rootNames: [FIXTURE], options });
}
/** Every member access of the fixture whose declaration is `@deprecated`. */
function deprecatedUses(program: ts.Program): string[] {
  const checker = program.getTypeChecker();
  const uses: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node)) {
      const declarations = checker.getSymbolAtLocation(node.name)?.declarations ?? [];
      if (declarations.some((d) => ts.getJSDocDeprecatedTag(d))) uses.push(node.getText());
    }
    ts.forEachChild(node, visit);
  };
  visit(program.getSourceFile(FIXTURE) as ts.SourceFile);
  return uses;
}
const text = (d: ts.Diagnostic) => `TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;

describe('code written before the construct had parts', () => {
  it('compiles: lib/archive-analytics.js is still a path, platform.url is still a Function URL', () => {
    const program = compile();

    const errors = ts.getPreEmitDiagnostics(program).map(text);
    // The editor strikes platform.url through and says what to use instead.
    const deprecated = deprecatedUses(program);

    expect(errors).toEqual([]);
    expect(deprecated).toEqual(['reporter.platform.url']);
  }, 120_000);

  it('runs where Function URLs are offered, with the same resources and outputs', () => {
    const template = Template.fromStack(prePartsStack(testApp(), 'ap-southeast-1'));

    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasOutput('EventUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReporterPlatformFunctionUrl'), 'FunctionUrl'] },
    });
    template.resourceCountIs('AWS::Glue::Database', 2);
    expect(() => prePartsDeployable(testApp(), { config: CONFIG })).not.toThrow();
  });

  it('says what to use instead where the endpoint is an HTTP API', () => {
    const build = () => prePartsStack(testApp(), 'cn-north-1');

    expect(build).toThrow(DeploymentConfigError);
    expect(build).toThrow(
      "MyInfra/Reporter/PlatformEndpoint: platform.url is a Lambda Function URL, and this deployment's platform endpoint is an API Gateway HTTP API: use platform.endpointUrl (the URL) or platform.api",
    );
  });
});
