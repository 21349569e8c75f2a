/** BGP messages of one session by type and direction, as FRR's `msgStats` counts them. */
export class MessageTally {
  opensSent = 0;
  opensReceived = 0;
  notificationsSent = 0;
  updatesSent = 0;
  updatesReceived = 0;
  keepalivesSent = 0;
  keepalivesReceived = 0;
  routeRefreshSent = 0;
  totalSent = 0;
  totalReceived = 0;

  record(direction: 'sent' | 'received', type: string): void {
    const sent = direction === 'sent';
    if (sent) this.totalSent++;
    else this.totalReceived++;
    switch (type) {
      case 'OPEN':
        if (sent) this.opensSent++;
        else this.opensReceived++;
        break;
      case 'UPDATE':
        if (sent) this.updatesSent++;
        else this.updatesReceived++;
        break;
      case 'KEEPALIVE':
        if (sent) this.keepalivesSent++;
        else this.keepalivesReceived++;
        break;
      case 'NOTIFICATION':
        if (sent) this.notificationsSent++;
        break;
      case 'ROUTE-REFRESH':
        if (sent) this.routeRefreshSent++;
        break;
      default:
        break;
    }
  }
}
