/**
 * IPAM errors with libnetwork's categories and exact texts (ipamapi/contract.go, endpoint.go).
 */
import { DockernetError } from '../../core/errors.js';

/** libnetwork error categories (types.BadRequestError, ForbiddenError, NoServiceError, NotFoundError). */
export type IpamCategory = 'BadRequest' | 'Forbidden' | 'NoService' | 'NotFound';

/** An IPAM error: the daemon's message plus its category. */
export class IpamError extends DockernetError {
  /** libnetwork's category of the error. */
  readonly category: IpamCategory;
  constructor(category: IpamCategory, message: string) {
    super('EIPAM', message, 1);
    this.name = 'IpamError';
    this.category = category;
  }
}

/** `ipamapi.ErrIPAlreadyAllocated`. */
export const ipAlreadyAllocated = (): IpamError => new IpamError('Forbidden', 'Address already in use');
/** `ipamapi.ErrNoAvailableIPs`. */
export const noAvailableIps = (): IpamError => new IpamError('NoService', 'No available addresses on this pool');
/** `ipamapi.ErrPoolOverlap`. */
export const poolOverlap = (): IpamError => new IpamError('Forbidden', 'Pool overlaps with other one on this address space');
/** `ipamapi.ErrIPOutOfRange`. */
export const ipOutOfRange = (): IpamError => new IpamError('BadRequest', 'requested address is out of range');
/** The error of `network create` when every default pool is taken. */
export const noDefaultPool = (): IpamError =>
  new IpamError('Forbidden', 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
