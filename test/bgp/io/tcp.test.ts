import { TcpTransport } from '../../../src/bgp/io/tcp.js';
import { transportContract } from './contract.js';

transportContract('tcp (node:net on loopback)', () => new TcpTransport());
