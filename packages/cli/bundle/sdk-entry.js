export * from '@hpcgate/sdk';
