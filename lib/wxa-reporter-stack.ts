import { Stack } from 'aws-cdk-lib';

/** Placeholder until the deployment work lands: synthesizes, deploys nothing. */
export class WxaReporterStack extends Stack {}
